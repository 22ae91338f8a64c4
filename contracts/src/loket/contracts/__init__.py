"""What Loket's services share, and nothing else: the event envelope and payloads, the broker
topology, the transactional outbox and the inbox, and the runtime every service starts from."""
