"""What identity talks to that is neither its database nor the bus: its signing keys and the tokens they
sign, the key that seals TOTP secrets, and the portal's addresses its mailed links point to."""
