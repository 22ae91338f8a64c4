"""What every service starts from: settings, its database, the broker, the outbox relay and the
inbox consumer, health endpoints, migrations and the command line."""
