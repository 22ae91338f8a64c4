"""Messages and their delivery, free of any framework."""

from enum import StrEnum


class MessageState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


def is_permanent(smtp_code: int) -> bool:
    """5xx answers will not change on a retry (unknown mailbox, refused); 4xx ones may."""
    return 500 <= smtp_code < 600
