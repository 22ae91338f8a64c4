"""loting's tables.

`run` is the only row that changes: the state of one ceremony. What the ceremony produces is kept
insert-only: the files (`artifact`, keyed by their SHA-256), who entered which seed when (`run_seed`),
and when each of the run's events was seen published (`run_publication`). On PostgreSQL and SQLite a
trigger from migration `0002_ceremony` refuses any UPDATE or DELETE on those three tables.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata
from loket.loting.domain.ceremony import RunState

metadata = service_metadata()
messaging = messaging_tables(metadata)

INSERT_ONLY = ("artifact", "run_seed", "run_publication")


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class ArtifactKind(StrEnum):
    COMMITMENT = "commitment"  # the market without its seed
    SEED_RECORD = "seed_record"  # what the seed is derived from; its SHA-256 is the seed
    MARKET = "market"  # the final market file, with its seed
    RESULT = "result"  # the result file


class Artifact(Base, table=True):
    """A file of a ceremony, exactly as it was written, under the SHA-256 of its bytes. Insert-only."""

    __tablename__ = "artifact"

    sha256: str = Field(primary_key=True, max_length=64)
    kind: ArtifactKind = Field(sa_type=String(16))
    content: bytes = Field(sa_type=LargeBinary)
    stored_at: datetime = Field(sa_type=UtcDateTime)


class Run(Base, table=True):
    """One lottery run and how far its ceremony got."""

    __tablename__ = "run"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    label: str = Field(max_length=200)
    state: RunState = Field(default=RunState.REQUESTED, sa_type=String(16))
    mechanism: str = Field(max_length=32)
    students: int
    programs: int
    seed_sources: list[dict[str, Any]] = Field(sa_type=JSON)
    commitment_sha256: str = Field(foreign_key="artifact.sha256", max_length=64)
    requested_at: datetime = Field(sa_type=UtcDateTime)
    commitment_published_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    market_sha256: str | None = Field(default=None, foreign_key="artifact.sha256", max_length=64)
    result_sha256: str | None = Field(default=None, foreign_key="artifact.sha256", max_length=64)
    statistics: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    attempts: int = 0
    failure_reason: str | None = None
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class RunSeed(Base, table=True):
    """The seed of a run, with who entered it and when. One per run, insert-only.

    `seed` is the SHA-256 of the seed record, which is stored as the artifact under that key.
    """

    __tablename__ = "run_seed"

    run_id: UUID = Field(foreign_key="run.id", primary_key=True)
    seed: str = Field(foreign_key="artifact.sha256", max_length=64)
    entered_by: str = Field(max_length=200)
    entered_at: datetime = Field(sa_type=UtcDateTime)


class RunPublication(Base, table=True):
    """One of a run's events, as loting saw it come back from the bus. Insert-only.

    `occurred_at` is when the event was written to the outbox, `seen_on_bus_at` when loting received
    it from its own queue: by then the broker had confirmed it and routed it, so it was public.
    """

    __tablename__ = "run_publication"

    event_id: UUID = Field(primary_key=True)
    run_id: UUID = Field(foreign_key="run.id", index=True)
    routing_key: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    seen_on_bus_at: datetime = Field(sa_type=UtcDateTime)
    payload: dict[str, Any] = Field(sa_type=JSON)
