"""loting's use cases: the ceremony's steps (`ceremony`, `publication`, `execution`), what it says
about a run (`reports`), and the `loting` command's work on market files (`results`, `simulation`)."""


class Failed(Exception):
    """Something outside loting failed (a file, the broker, a simulation process): the command stops,
    writes nothing and says what in one line. A refusal raises the shared kinds (`loket.contracts.errors`)."""
