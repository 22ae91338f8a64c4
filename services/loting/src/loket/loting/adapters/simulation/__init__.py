"""Where a simulation's draws are solved: on local processes (`local`) or on any number of workers
behind a RabbitMQ work queue (`queue`, with its messages in `messages`). `application/simulation.py`
decides which and writes the STATS file."""
