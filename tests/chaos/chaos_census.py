"""What the chaos run left behind, read from each service's database and from the broker: registrations,
the events in every outbox and whether each consumer's inbox has each event it subscribes to, the
confirmation mails notificatie recorded, and the dead-letter queues."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import aio_pika
import asyncpg

CONFIRMATION_TEMPLATE = "registration_confirmation"
CONFIRMATION_SUBJECT = "Aanmelding ontvangen"


@dataclass
class Census:
    registrations: Counter[str] = field(default_factory=Counter)  # active registrations per pupil
    submitted: Counter[str] = field(default_factory=Counter)  # submitted registrations per pupil
    submitted_events: Counter[str] = field(default_factory=Counter)  # aanmelding's submitted events per pupil
    pending: dict[str, int] = field(default_factory=dict)  # outbox rows not yet published, per service
    unreached: dict[str, list[str]] = field(default_factory=dict)  # consumer: events missing from its inbox
    events: int = 0  # events published that some service consumes
    deliveries: int = 0  # of those, (event, consumer) pairs
    confirmations: Counter[str] = field(default_factory=Counter)  # notificatie's rows by state
    dead_letters: dict[str, int] = field(default_factory=dict)
    work_queues: dict[str, int] = field(default_factory=dict)  # messages still waiting in each work queue


async def take_census(databases: dict[str, str], broker_url: str) -> Census:
    from loket.contracts.events import RegistrationSubmitted
    from loket.contracts.topology import SUBSCRIPTIONS, ServiceQueues

    census = Census()
    outboxes, inboxes = {}, {}
    for service, url in databases.items():
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            outboxes[service] = await connection.fetch("SELECT event_id, routing_key, sent_at, body FROM outbox")
            inboxes[service] = {row["event_id"] for row in await connection.fetch("SELECT event_id FROM inbox")}
            if service == "aanmelding":
                for row in await connection.fetch("SELECT pupil_id, state FROM registration WHERE active"):
                    census.registrations[str(row["pupil_id"])] += 1
                    census.submitted[str(row["pupil_id"])] += row["state"] == "submitted"
            if service == "notificatie":
                query = "SELECT state, count(*) AS n FROM message WHERE template = $1 GROUP BY state"
                for row in await connection.fetch(query, CONFIRMATION_TEMPLATE):
                    census.confirmations[row["state"]] = row["n"]
        finally:
            await connection.close()
    consumers: dict[str, list[str]] = {}  # routing key: the services that consume it
    for consumer, events in SUBSCRIPTIONS.items():
        for event in events:
            consumers.setdefault(event.routing_key(), []).append(consumer)
    for service, rows in outboxes.items():
        census.pending[service] = sum(row["sent_at"] is None for row in rows)
        for row in rows:
            if row["routing_key"] == RegistrationSubmitted.routing_key():
                body = row["body"] if isinstance(row["body"], dict) else json.loads(row["body"])
                census.submitted_events[body["payload"]["pupil_id"]] += 1
            reached_by = consumers.get(row["routing_key"], [])
            census.events += bool(reached_by)
            for consumer in reached_by:
                census.deliveries += 1
                if row["event_id"] not in inboxes.get(consumer, set()):
                    census.unreached.setdefault(consumer, []).append(f"{row['routing_key']} {row['event_id']}")
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        for service in SUBSCRIPTIONS:
            queues = ServiceQueues(service)
            dead = await channel.declare_queue(queues.dead.name, passive=True)
            census.dead_letters[service] = dead.declaration_result.message_count or 0
            work = await channel.declare_queue(queues.work.name, passive=True)
            census.work_queues[service] = work.declaration_result.message_count or 0
    return census
