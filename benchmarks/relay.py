"""How fast the outbox relay publishes, on the real PostgreSQL and RabbitMQ of this machine.

For each batch size: EVENTS activation events are committed into a fresh outbox, the relay is woken
and the time until the last one is confirmed by the broker and marked sent is measured; printed as
events/s. The events go to a throwaway vhost (bound as in production: notificatie's queue and the
journal) that is deleted afterwards. Nothing is asserted: the figures belong to the machine.

    uv run python benchmarks/relay.py                 # 5,000 events at batch sizes 100 and 500
    uv run python benchmarks/relay.py --events 20000 --batches 50,100,500
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loket_test_support import activation_issued, create_database, create_vhost, delete_vhost, drop_database

from loket.contracts.runtime.service import Runtime
from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tables import messaging_tables, service_metadata


async def one_run(events: int, batch: int, broker_url: str) -> float:
    """Seconds from the wake-up to the last event marked sent."""
    name, url = await create_database()
    metadata = service_metadata()
    messaging = messaging_tables(metadata)
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await engine.dispose()
    settings = ServiceSettings(database_url=url, broker_url=broker_url, relay_poll_interval=3600)
    runtime = Runtime("identity", settings, metadata)
    runtime.relay.batch_size = batch
    outbox = messaging.outbox
    try:
        async with runtime.database.transaction() as session:  # committed before the relay runs
            for n in range(events):
                await runtime.outbox.put(session, activation_issued(n))
        await runtime.start()
        started = time.perf_counter()
        runtime.outbox.nudge()
        while True:
            async with runtime.database.transaction() as session:
                unsent = (
                    await session.execute(select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None)))
                ).scalar_one()
            if unsent == 0:
                return time.perf_counter() - started
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
        await drop_database(name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batches", default="100,500")
    args = parser.parse_args()
    vhost, broker_url = create_vhost()
    try:
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print()
        print("| batch | events | seconds | events/s |")
        print("|---:|---:|---:|---:|")
        for batch in (int(value) for value in args.batches.split(",")):
            seconds = await one_run(args.events, batch, broker_url)
            print(f"| {batch} | {args.events:,} | {seconds:.2f} | {args.events / seconds:,.0f} |")
    finally:
        delete_vhost(vhost)


if __name__ == "__main__":
    asyncio.run(main())
