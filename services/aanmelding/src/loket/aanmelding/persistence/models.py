from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata

metadata = service_metadata()
messaging = messaging_tables(metadata)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class PupilEligibility(Base, table=True):
    """What aanmelding knows of a pupil before any registration: the final advice, and whether the
    registration form must be prepared again, the pupil's ELK number and group. Filled from dossier's
    events; no name, no birth date."""

    __tablename__ = "pupil_eligibility"

    pupil_id: UUID = Field(primary_key=True)
    school_brin: str = Field(max_length=6, index=True)
    elk_number: str | None = Field(
        default=None, max_length=32, index=True, description="The pupil's ELK number; twins name each other by it."
    )
    group_name: str | None = Field(
        default=None, max_length=32, description="The pupil's group at the primary school; its teachers see it."
    )
    group_changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    advice: str | None = Field(default=None, max_length=20)
    advice_given_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    form_outdated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    form_prepared_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class TeachingGroup(Base, table=True):
    """Who teaches a group of a primary school, as dossier last said: a school user who teaches some
    groups sees only their pupils."""

    __tablename__ = "teaching_group"

    school_brin: str = Field(max_length=6, primary_key=True)
    group_name: str = Field(max_length=32, primary_key=True)
    teachers: list[str] = Field(default_factory=list, sa_type=JSON, description="Token subjects of its teachers.")
    changed_at: datetime = Field(sa_type=UtcDateTime)


class Registration(Base, table=True):
    """A parent's registration of a pupil in one round, from the first step to submitted (and in Zaanstad
    forwarded), or withdrawn. A withdrawn registration is kept; `active` is true for the one that counts
    and null otherwise, so the database allows one active registration per pupil and round."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("pupil_id", "round_code", "active"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    pupil_id: UUID = Field(index=True)
    school_brin: str = Field(max_length=6, index=True, description="The pupil's primary school.")
    round_code: str = Field(max_length=64)
    state: str = Field(max_length=16)
    active: bool | None = Field(default=True)
    advice: str = Field(max_length=20, description="The final advice when the registration started.")
    started_at: datetime = Field(sa_type=UtcDateTime)
    started_by: str = Field(max_length=64, description="The subject of whoever started it (a parent's account).")
    pupil_checked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    pupil_correction: str | None = Field(default=None, max_length=2000)
    contact_checked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    contact_correction: str | None = Field(default=None, max_length=2000)
    preferences: list[str] = Field(default_factory=list, sa_type=JSON)
    priority: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    equivalent_program_wish: bool = False
    multiple_birth: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    outside_region: str | None = Field(default=None, max_length=500)
    first_choice_brin: str | None = Field(default=None, max_length=6, index=True)
    preferences_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    school_changes: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSON, description="Changes by the primary school, each with the consent."
    )
    priority_decision: str | None = Field(default=None, max_length=16, description="granted or rejected")
    priority_decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    priority_decided_by: str | None = Field(default=None, max_length=64)
    priority_reason: str | None = Field(default=None, max_length=2000, description="The school's reason.")
    forwarded_by: str | None = Field(default=None, max_length=64)
    withdrawn_by: str | None = Field(default=None, max_length=64, description="Who withdrew or voided it.")
    withdrawal_reason: str | None = Field(default=None, max_length=2000)
    school_placed_at: datetime | None = Field(default=None, sa_type=UtcDateTime, description="Geplaatst.")
    school_placed_by: str | None = Field(default=None, max_length=64)
    placed_stream: str | None = Field(default=None, max_length=200, description="Stream or profile placed in.")
    tafelmiddag: bool = False
    paper_form_by: str | None = Field(
        default=None, max_length=64, description="The primary school staff member who entered the paper form."
    )
    signed_by: str | None = Field(default=None, max_length=200)
    signed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    forwarded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    changed_at: datetime = Field(sa_type=UtcDateTime)


class Lottery(Base, table=True):
    """A round's market as the region took it for loting's ceremony (without seed), and once the ceremony
    ran, its seeded market and result, applied to the registrations. A round may have several: after
    seats were added, a new run; the newest applied one counts."""

    __tablename__ = "lottery"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    round_code: str = Field(max_length=64, index=True)
    commitment: str = Field(sa_type=Text, description="The market without seed, canonical JSON.")
    commitment_sha256: str = Field(max_length=64)
    taken_at: datetime = Field(sa_type=UtcDateTime)
    taken_by: str = Field(max_length=64)
    market: str | None = Field(default=None, sa_type=Text, description="The seeded market, as loting served it.")
    result: str | None = Field(default=None, sa_type=Text, description="The result file, as loting served it.")
    applied_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    applied_by: str | None = Field(default=None, max_length=64)
    ceremony_requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ceremony_requested_by: str | None = Field(default=None, max_length=64)
    ceremony_refusal: str | None = Field(
        default=None, sa_type=Text, description="Why a result loting sent back could not be applied."
    )


class Placement(Base, table=True):
    """Where a lottery placed a registration: a program and the rank it had on the list, or none."""

    __tablename__ = "placement"
    __table_args__ = (UniqueConstraint("lottery_id", "registration_id"),)

    id: int | None = Field(default=None, primary_key=True)
    lottery_id: UUID = Field(foreign_key="lottery.id", index=True)
    registration_id: UUID = Field(index=True)
    program: str | None = Field(default=None, max_length=64)
    rank: int | None = None


class Announcement(Base, table=True):
    """A moment that was announced: a round's reminder, or its publication. Kept so that each is announced
    once, whoever runs the announcer and however often."""

    __tablename__ = "announcement"
    __table_args__ = (UniqueConstraint("kind", "round_code", "moment"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, description="reminder or publication")
    round_code: str = Field(max_length=64)
    moment: datetime = Field(sa_type=UtcDateTime)
    announced_at: datetime = Field(sa_type=UtcDateTime)
    events: int = Field(description="How many events it put out.")


class RegistrationNote(Base, table=True):
    """A secondary school's own note on a registration it received: for its staff only, not for the
    parents, the primary school or another school the pupil ends up at."""

    __tablename__ = "registration_note"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    registration_id: UUID = Field(foreign_key="registration.id", index=True)
    school_brin: str = Field(max_length=6)
    text: str = Field(sa_type=Text)
    author: str = Field(max_length=64, description="identity's subject id of the staff member.")
    created_at: datetime = Field(sa_type=UtcDateTime)
