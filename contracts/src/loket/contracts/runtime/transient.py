"""Which failures are the database or the broker being briefly away (a restart, a failover, a network
blip), not something wrong with the work: the inbox waits and tries the event again instead of spending
its delivery limit (inbox.py), and an HTTP request answers 503 with `Retry-After` (errors.py).

Narrow on purpose: a constraint violation, a bad query or a bug is never transient, whatever driver
wraps it; only lost or refused connections, a server shutting down or starting up, and timeouts.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg.exceptions  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_PAUSE = 0.5  # seconds before the first retry of a transient failure; doubled each time
LONGEST_PAUSE = 10.0

# asyncpg's own: a connection lost (class 08: ConnectionDoesNotExistError, ConnectionFailureError, …), the
# server shutting down or not yet accepting connections (57P01-03)
_ASYNCPG = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)
MAYBE_TRANSIENT: tuple[type[Exception], ...] = (
    DBAPIError,
    OSError,  # ConnectionError, TimeoutError, socket.gaierror
    asyncpg.exceptions.PostgresError,
    asyncpg.exceptions.InterfaceError,
)
"""The kinds of error `is_transient` may say yes to (an HTTP app's exception handlers are per class)."""

# an OSError is transient only when it is about reaching a server, never a file's
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
    }
)


def is_transient(error: BaseException) -> bool:
    """Whether `error` means the database or the broker could not be reached for now: trying again a
    little later may well succeed. Looks through SQLAlchemy's wrapping to the driver's error."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True  # SQLAlchemy found the connection gone and dropped it from the pool
        if isinstance(error.orig, sqlite3.Error):
            # sqlite3 calls a missing table or a syntax error "operational" too: only a lock is transient
            return "locked" in str(error.orig) or "busy" in str(error.orig)
        if isinstance(error, OperationalError):
            return True  # what other drivers (psycopg) raise for a lost or refused connection
        if isinstance(error, InterfaceError) and _closed(error.orig):
            return True
        return any(_transient_itself(cause) for cause in (error.orig, getattr(error.orig, "__cause__", None)) if cause)
    return _transient_itself(error)


def _closed(error: BaseException | None) -> bool:
    return error is not None and "connection is closed" in str(error)


def _transient_itself(error: BaseException) -> bool:
    if isinstance(error, (*_ASYNCPG, ConnectionError, TimeoutError, socket.gaierror)):
        return True  # ConnectionError: refused, reset, aborted, broken pipe, aiormq's connection errors
    if isinstance(error, asyncpg.exceptions.InterfaceError):
        return _closed(error)  # not "another operation is in progress", which is a bug
    if isinstance(error, OSError):
        # asyncio's connect to a name with several addresses, all refused: an OSError without errno
        return error.errno in _NETWORK_ERRNOS or str(error).startswith("Multiple exceptions: ")
    return False


async def retry_transient(attempt: Callable[[], Awaitable[T]], *, retry_for: float, what: str) -> T:
    """`attempt()`, and again after 0.5 s, 1 s, 2 s, … (at most 10 s apart) while it fails transiently, for up
    to `retry_for` seconds, logging each wait; any other failure, or one that lasts longer, raises."""
    give_up_at = time.monotonic() + retry_for
    pause = FIRST_PAUSE
    while True:
        try:
            return await attempt()
        except Exception as error:
            left = give_up_at - time.monotonic()
            if not is_transient(error) or left <= 0:
                raise
            wait = min(pause, LONGEST_PAUSE, left)
            log.warning(
                "%s failed, the database or broker is unavailable (%s: %s); "
                "trying again in %.1f s (giving up in %.0f s)",
                what,
                type(error).__name__,
                str(error).partition("\n")[0],
                wait,
                left,
            )
            await asyncio.sleep(wait)
            pause *= 2
