"""The outbox and inbox tables every service keeps in its own database, and the naming convention
every service's metadata starts from (so that Alembic names constraints the same everywhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in time, aware of its zone on every database.

    PostgreSQL keeps the zone; SQLite keeps none and hands back naive values. Everything is stored
    as UTC, and a naive value going in is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing a datetime without a time zone: {value.isoformat()}")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def service_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """Add `outbox` and `inbox` to a service's metadata."""
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("routing_key", String(200), nullable=False),
        Column("correlation_id", Uuid, nullable=False),
        Column("body", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime(), nullable=False, index=True),
        Column("sent_at", UtcDateTime(), nullable=True, index=True),
        Column("last_error", Text, nullable=True),
        # the trace the event was raised in (W3C `traceparent`, `tracestate`), for the relay to continue
        Column("trace_context", JSON, nullable=True),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", Uuid, primary_key=True),
        Column("routing_key", String(200), nullable=False),
        Column("received_at", UtcDateTime(), nullable=False),
    )
    return MessagingTables(outbox=outbox, inbox=inbox)
