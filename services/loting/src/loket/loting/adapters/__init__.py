"""What loting talks to besides its database and the event bus: files (`files`), the terminal
(`progress`), and the processes and the RabbitMQ work queue a simulation's draws are spread over
(`simulation/`)."""
