"""Messages and their delivery, free of any framework."""

from enum import StrEnum


class MessageState(StrEnum):
    QUEUED = "queued"  # recorded; not accepted by the mail server yet (a temporary failure waits for a retry)
    SENT = "sent"
    FAILED = "failed"


def is_permanent(smtp_code: int) -> bool:
    """5xx answers will not change on a retry (unknown mailbox, refused); 4xx ones may."""
    return 500 <= smtp_code < 600


BACKOFF_FACTOR = 4


def retry_delay(failed_attempt: int, first: float, cap: float) -> float:
    """Seconds to wait after the `failed_attempt`-th attempt (1-based) failed for now.

    first × 4^(n−1), at most `cap`: with the defaults 1, 4, 16 and 60 minutes, which outlasts the
    greylisting of most mail servers (they ask to come back after a few minutes)."""
    if failed_attempt < 1:
        raise ValueError("attempts count from 1")
    return float(min(cap, first * BACKOFF_FACTOR ** (failed_attempt - 1)))


def retry_delays(attempts: int, first: float, cap: float) -> list[float]:
    """Every wait between `attempts` attempts: one fewer than the attempts."""
    return [retry_delay(n, first, cap) for n in range(1, attempts)]
