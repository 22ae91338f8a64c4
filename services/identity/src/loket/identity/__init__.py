"""identity: staff and parent accounts, roles, activation links, login and tokens."""
