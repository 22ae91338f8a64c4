"""The chaos run: parents register at a steady rate through aanmelding's API, with all five services as
processes on PostgreSQL, while the test kills services with SIGKILL, stops RabbitMQ and stops PostgreSQL
for several seconds. Afterwards nothing the parents were told is lost or doubled, every confirmation
mail went out, every event reached each of its consumers, and nothing is left in an outbox or a
dead-letter queue. The figures are printed (docs/architecture.md, *Faults: the chaos run*).

The outbox relay runs inside each service's process (`Runtime.start`), so killing a service kills its
relay wherever it was in a pass: rows claimed, some published and not yet marked sent.

The broker and the database are the test's own (a RabbitMQ node and a PostgreSQL cluster in temporary
folders), never the machine's shared ones; the test is `serial` so that it has the machine to itself.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from chaos_census import CONFIRMATION_SUBJECT, Census, take_census
from chaos_parents import ADVICE, Rush, Tally, seed
from loket_test_servers import StoppablePostgres, StoppableRabbitMQ
from loket_test_servers import stoppable_rabbitmq as stoppable_rabbitmq
from loket_test_support import IDLE_CLOSED_FIRST, eventually

SERVICES = ("identity", "dossier", "aanmelding", "loting", "notificatie")
PARENTS = 160  # seeded: enough for the faults at the rate on an idle machine; on a busy one they may run out first
PER_SECOND = 1.5  # parents beginning their registration
PATIENCE = 120.0  # seconds a parent keeps trying before giving up (counted, and a failure)
DOWN = 8.0  # seconds RabbitMQ and PostgreSQL stay stopped
DRAINED_WITHIN = 150.0


@pytest.fixture
def chaos_postgres() -> Iterator[StoppablePostgres]:
    """A cluster of the test's own with room for five services' pools, committing synchronously so that an
    immediate stop loses nothing a client was told was committed (fsync stays off: the machine does not
    crash, only the server)."""
    cluster = StoppablePostgres()
    try:
        cluster.create()
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write("max_connections = 200\nsynchronous_commit = on\n")
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def broker_url(stoppable_rabbitmq: StoppableRabbitMQ) -> str:
    """The services' broker (`start_services`): the test's own node, not a vhost on the shared one,
    provisioned as those are (tests/broker_support.py): Loket's topology and a broker user per service."""
    from broker_support import PASSWORD, USERS_PREFIX

    from loket.contracts.broker_access import definitions, every_access

    accesses = every_access(USERS_PREFIX)
    passwords = {access.user: PASSWORD for access in accesses}
    stoppable_rabbitmq.import_definitions(definitions(passwords, accesses=accesses, with_vhost=False))
    return stoppable_rabbitmq.url


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30, limits=IDLE_CLOSED_FIRST, trust_env=False) as client:
        yield client


class Faults:
    """The faults, one after another, each noted with when it began and how long until every service was
    ready again."""

    def __init__(
        self, services: dict[str, Any], postgres: StoppablePostgres, rabbitmq: StoppableRabbitMQ, say: Any
    ) -> None:
        self.services, self.postgres, self.rabbitmq, self.say = services, postgres, rabbitmq, say
        self.began = time.monotonic()
        self.log: list[str] = []

    async def run(self, client: httpx.AsyncClient) -> None:
        await asyncio.sleep(6)
        await self.fault(client, "kill -9 aanmelding and notificatie", self.kill("aanmelding", "notificatie"))
        await asyncio.sleep(4)
        rabbitmq = self.stopped(self.rabbitmq.stop, self.rabbitmq.start)
        await self.fault(client, f"RabbitMQ stopped for {DOWN:.0f} s", rabbitmq)
        await asyncio.sleep(4)
        postgres = self.stopped(lambda: self.postgres.stop("immediate"), self.postgres.start)  # a crash
        await self.fault(client, f"PostgreSQL stopped (immediate) for {DOWN:.0f} s", postgres)
        await asyncio.sleep(4)
        await self.fault(client, "kill -9 dossier and aanmelding", self.kill("dossier", "aanmelding"))
        await asyncio.sleep(6)

    async def fault(self, client: httpx.AsyncClient, what: str, doing: Any) -> None:
        at = time.monotonic()
        self.say(what)
        await doing
        await self.all_ready(client)
        again = time.monotonic() - at
        self.log.append(f"{at - self.began:6.1f} s  {what}; every service ready again after {again:.1f} s")

    async def kill(self, *names: str) -> None:
        for name in names:
            self.services[name].process.kill()
            self.services[name].process.wait()
        await asyncio.sleep(1)
        for name in names:
            self.services[name].restart()

    async def stopped(self, stop: Any, start: Any) -> None:
        await asyncio.to_thread(stop)
        await asyncio.sleep(DOWN)
        await asyncio.to_thread(start)

    async def all_ready(self, client: httpx.AsyncClient) -> None:
        for service in self.services.values():
            await service.until_ready(client)


@pytest.mark.serial  # it loads the machine and stops its own broker and database: run alone (`make test`)
@pytest.mark.timeout(900)  # about 3 minutes alone; far more on a machine busy with other work
async def test_nothing_is_lost_or_doubled_while_services_the_broker_and_the_database_fail(
    chaos_postgres, stoppable_rabbitmq, start_services, smtp, client, tmp_path: Path, capsys
):
    started = time.monotonic()

    def say(line: str) -> None:
        with capsys.disabled():
            print(f"chaos {time.monotonic() - started:6.1f} s  {line}", flush=True)

    databases = await own_databases(chaos_postgres)
    settings = {f"LOKET_{name.upper()}_DATABASE_URL": url for name, url in databases.items()}
    services: dict[str, Any] = {}
    for name in SERVICES:  # one at a time: five starting at once on a busy 2-core machine overrun the wait
        services |= await start_services(name, **settings)
    url = {name: service.url for name, service in services.items()}
    say("services ready; seeding pupils and parent accounts")
    pupils = await seed(client, url, tmp_path / "var", smtp, PARENTS, databases["identity"])
    programs = await chosen_programs(client, url["aanmelding"])
    seeded = time.monotonic()

    rush = Rush(client, url, tmp_path / "var", programs, patience=PATIENCE)
    stop = asyncio.Event()
    rushing = asyncio.create_task(rush.run(pupils, PER_SECOND, stop))
    faults = Faults(services, chaos_postgres, stoppable_rabbitmq, say)
    say("seeded; the rush begins")
    try:
        await faults.run(client)
    finally:
        stop.set()
        await rushing
    rushed = time.monotonic()
    say(f"the rush is over ({rush.tally.tried} parents); waiting for the outboxes, queues and mails to drain")
    tally = rush.tally
    addresses = {p.pupil_id: p.address for p in pupils}

    async def drained() -> Census | None:
        census = await take_census(databases, stoppable_rabbitmq.url)
        mailed = confirmation_mails(smtp)
        done = (
            not any(census.pending.values())
            and not census.unreached
            and not any(census.work_queues.values())
            and census.confirmations.get("queued", 0) == 0
            and all(mailed[addresses[p]] for p in tally.believed_submitted)
        )
        return census if done else None

    try:
        census = await eventually(drained, within=DRAINED_WITHIN, what="the outboxes, queues and mails to drain")
    except AssertionError:
        census = await take_census(databases, stoppable_rabbitmq.url)  # report what was left, then fail below
    mailed = confirmation_mails(smtp)
    phases = [seeded - started, rushed - seeded, time.monotonic() - rushed]
    figures = report(tally, census, mailed, addresses, faults.log, phases)
    with capsys.disabled():
        print("\n" + "\n".join(figures))

    in_aanmelding = {p for p, n in census.submitted.items() if n}
    assert not tally.server_errors, tally.server_errors[:5]
    assert not tally.other_refusals, tally.other_refusals[:5]
    assert not tally.gave_up, f"{len(tally.gave_up)} parents could not finish within {PATIENCE:.0f} s"
    assert tally.believed_submitted <= in_aanmelding, "registrations lost"
    assert not [p for p, n in census.registrations.items() if n > 1], "registrations doubled"
    assert not [p for p, n in census.submitted_events.items() if n > 1], "submissions announced twice"
    assert not [p for p in tally.believed_submitted if not mailed[addresses[p]]], "confirmation mails missing"
    assert census.confirmations.get("queued", 0) == 0 and census.confirmations.get("failed", 0) == 0
    assert not any(census.pending.values()), f"outboxes not drained: {census.pending}"
    assert not census.unreached, {consumer: events[:3] for consumer, events in census.unreached.items()}
    assert not any(census.dead_letters.values()), f"dead letters: {census.dead_letters}"
    assert not any(census.work_queues.values()), f"events still queued: {census.work_queues}"


async def own_databases(cluster: StoppablePostgres) -> dict[str, str]:
    admin = await asyncpg.connect(cluster.admin_url)
    try:
        for name in SERVICES:
            await admin.execute(f'CREATE DATABASE "loket_{name}"')
    finally:
        await admin.close()
    return {name: cluster.url(f"loket_{name}") for name in SERVICES}


async def chosen_programs(client: httpx.AsyncClient, aanmelding: str) -> list[str]:
    from region_support import chosen_list

    helper = await client.get(f"{aanmelding}/procedure/programs", params={"advice": ADVICE})
    assert helper.status_code == 200, helper.text
    return chosen_list(helper.json())


def confirmation_mails(smtp: Any) -> Counter[str]:
    """Confirmation mails received, per address (each parent's is its own)."""
    messages = list(smtp.inbox.messages)
    return Counter(str(m["To"]) for m in messages if str(m["Subject"]).startswith(CONFIRMATION_SUBJECT))


def report(
    tally: Tally,
    census: Census,
    mailed: Counter[str],
    addresses: dict[str, str],
    faults: list[str],
    phases: list[float],
) -> list[str]:
    in_aanmelding = {p for p, n in census.submitted.items() if n}
    believed = tally.believed_submitted
    took = sorted(tally.seconds) or [0.0]
    doubled = sum(n > 1 for n in census.registrations.values())
    mails, missing = sum(mailed[addresses[p]] for p in believed), sum(not mailed[addresses[p]] for p in believed)
    duplicates = {address: n for address, n in mailed.items() if n > 1}
    named = f" ({', '.join(f'{a} x{n}' for a, n in sorted(duplicates.items()))})" if duplicates else ""
    unreached = sum(len(events) for events in census.unreached.values())
    return [
        "chaos run: parents registering through aanmelding while services, RabbitMQ and PostgreSQL fail",
        *faults,
        f"registrations tried {tally.tried}; submitted {len(believed)} ({len(tally.submitted)} answered 200, "
        f"{len(tally.found_submitted)} answer lost, found submitted on retrying); gave up {len(tally.gave_up)}"
        + ("; every seeded parent had begun before the faults were over" if tally.ran_out else ""),
        f"503 + Retry-After {tally.refused_503} answers ({len(tally.parents_refused)} parents); connections lost "
        f"{tally.connections_lost}; server errors {len(tally.server_errors)}; "
        f"other refusals {len(tally.other_refusals)}",
        f"a registration (6 requests, retries included) took {took[len(took) // 2]:.1f} s median, {took[-1]:.1f} s max",
        f"registrations lost {len(believed - in_aanmelding)}; doubled {doubled}; "
        f"submitted without the parent knowing {len(in_aanmelding - believed)}",
        f"confirmation mails {mails} for {len(believed)} registrations; missing {missing}; "
        f"duplicates {sum(n - 1 for n in duplicates.values())}{named}",
        f"notificatie's confirmation messages by state {dict(census.confirmations)}",
        f"events consumed {census.events} ({census.deliveries} deliveries); not in a consumer's inbox {unreached}",
        f"outbox rows pending {census.pending}",
        f"dead letters {census.dead_letters}; still in work queues {census.work_queues}",
        f"wall time: services and seeding {phases[0]:.0f} s, rush with faults {phases[1]:.0f} s, "
        f"drained {phases[2]:.0f} s after",
    ]
