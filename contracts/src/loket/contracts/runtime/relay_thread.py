"""The outbox relay on a thread of its own: its own event loop, database engine and broker connection.

On the service's own event loop each await of the relay queued behind every HTTP request's callbacks.
Under a registration rush (25 parents) aanmelding's outbox grew by ~80 rows a second, its oldest row
17 s old, and the confirmation mails fell as far behind; the same relay drained the 2,000 rows in two
seconds once the rush stopped. On a loop of its own the relay waits for its socket and the GIL
(released on every socket call), not for the requests. Several relays still share an outbox, each
claiming rows with `FOR UPDATE SKIP LOCKED` (outbox.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from loket.contracts.outbox import OutboxRelay

log = logging.getLogger(__name__)

RelayOnItsOwn = Callable[[], AbstractAsyncContextManager[OutboxRelay]]
"""Opens, in the thread's loop, the relay with the engine and broker connection it owns; closes them."""


class RelayThread:
    def __init__(self, name: str, relay_on_its_own: RelayOnItsOwn) -> None:
        self.name = name
        self._open = relay_on_its_own
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._relay: OutboxRelay | None = None
        self._stopping: asyncio.Event | None = None

    async def start(self) -> None:
        """Start the thread; return once its relay runs, or raise what kept it from starting."""
        caller = asyncio.get_running_loop()
        started: asyncio.Future[None] = caller.create_future()

        def report(problem: BaseException | None) -> None:
            if started.done():
                return
            if problem is None:
                started.set_result(None)
            else:
                started.set_exception(problem)

        def main() -> None:
            try:
                asyncio.run(self._run(lambda problem: caller.call_soon_threadsafe(report, problem)))
            except BaseException as problem:
                log.exception("%s: the outbox relay's thread ended", self.name)
                with contextlib.suppress(RuntimeError):  # the caller's loop is closed already
                    caller.call_soon_threadsafe(report, problem)

        self._thread = threading.Thread(target=main, name=self.name, daemon=True)
        self._thread.start()
        await started

    async def _run(self, report: Callable[[BaseException | None], Any]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        async with self._open() as relay:
            self._relay = relay
            relay.start()
            report(None)
            try:
                await self._stopping.wait()
            finally:
                await relay.stop()

    def wake(self) -> None:
        """Called from the service's loop after a commit with events (`Outbox.nudge`)."""
        if self._loop is not None and self._relay is not None:
            with contextlib.suppress(RuntimeError):  # stopping: the loop has closed
                self._loop.call_soon_threadsafe(self._relay.wake.set)

    async def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stopping.set)
        await asyncio.to_thread(self._thread.join)
        self._thread = self._loop = self._relay = self._stopping = None
