"""dossier's tables.

The organisation: `board`, `school` (one location, by BRIN with its vestiging), `pupil_group` (a
school's group, like 8a) and `group_teacher` (identity's subject ids). A `pupil` belongs to a school by
its BRIN; a school's pupils may be registered before an administrator has set the school up here, so
that column is not a foreign key.

A pupil's `oki_doc` holds the parts the school writes (`content`, one JSON document per pupil, see
`domain/oki_doc.py`), its status, and the doorstroomtoets result and final advice, which have steps of
their own. The pupil's personal details (name, birth date, address, parents) stay on `pupil`, with
its BSN only sealed (`bsn_sealed`, AES-256-GCM, see `adapters/bsn.py`).

`parent_login` is the school's view of each parent login of a pupil (the dots), as identity reports it.

`audit_entry` is insert-only: a trigger from migration `0003_audit` refuses UPDATE and DELETE (and on
PostgreSQL TRUNCATE); each entry carries the hash of the one before it (`0012_audit_chain`).
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.oki_doc import OkiDocStatus
from loket.dossier.domain.organisation import Sector
from loket.dossier.domain.parent_logins import LoginState, Parent
from loket.dossier.domain.sharing import NoteVisibility, NotPlacingReason

metadata = service_metadata()
messaging = messaging_tables(metadata)

INSERT_ONLY = ("audit_entry",)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class Board(Base, table=True):
    """A school board (bestuur), by its code, e.g. the bevoegd-gezagnummer."""

    __tablename__ = "board"

    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UtcDateTime)


class School(Base, table=True):
    """One location of a school: the BRIN number with its two-digit vestiging, e.g. 12AB01."""

    __tablename__ = "school"

    brin: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=200)
    board_code: str | None = Field(default=None, foreign_key="board.code", index=True, max_length=32)
    sector: Sector = Field(default=Sector.PRIMARY, sa_type=String(16))
    contact_email: str | None = Field(
        default=None, max_length=320, description="Where the school hears of questions and answers about pupils."
    )
    created_at: datetime = Field(sa_type=UtcDateTime)


class PupilGroup(Base, table=True):
    """A group of a school (groep 8a); its teachers see only its pupils."""

    __tablename__ = "pupil_group"
    __table_args__ = (UniqueConstraint("school_brin", "name"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    school_brin: str = Field(foreign_key="school.brin", max_length=6)
    name: str = Field(max_length=32)
    year_level: int | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)


class GroupTeacher(Base, table=True):
    """A teacher of a group (contactpersoon), by identity's subject id of the staff account."""

    __tablename__ = "group_teacher"

    group_id: UUID = Field(foreign_key="pupil_group.id", primary_key=True)
    subject: str = Field(primary_key=True, max_length=64, index=True)


class Pupil(Base, table=True):
    """A pupil of a primary school. `pupil_number` is the school's own number in its pupil administration
    (leerlingnummer), the key an import matches by; `imported` keeps, per field of the import (by its
    column, see `domain/pupil_administration.py`), the value the last import put there, so that a later
    import tells a field the LAS changed from one staff changed by hand."""

    __table_args__ = (UniqueConstraint("school_brin", "pupil_number"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    elk_number: str = Field(max_length=16, unique=True)
    pupil_number: str | None = Field(default=None, max_length=32)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date
    school_brin: str = Field(max_length=6, index=True)
    group_id: UUID | None = Field(default=None, foreign_key="pupil_group.id", index=True)
    parent_email: str = Field(max_length=320)  # the first parent's, where the parent login goes
    address: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    parents: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    bsn_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)  # AES-GCM, see `adapters/bsn.py`
    imported: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    not_placing_reason: NotPlacingReason | None = Field(default=None, sa_type=String(32))  # reden niet plaatsen VO
    # a buitenleerling (B number, `school_brin` the school of origin outside the region): that school's name
    # and the final advice as the parents showed it; such a pupil has no OKI-doc
    external: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(sa_type=UtcDateTime)


class OkiDoc(Base, table=True):
    """A pupil's OKI-doc: the school's parts, its status, the doorstroomtoets and the final advice."""

    __tablename__ = "oki_doc"

    pupil_id: UUID = Field(foreign_key="pupil.id", primary_key=True)
    status: OkiDocStatus = Field(default=OkiDocStatus.INCOMPLETE, sa_type=String(16))
    content: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    doorstroomtoets: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    final_advice: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    changed_at: datetime = Field(sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    finalised_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ParentLogin(Base, table=True):
    """One parent login of a pupil, as the school sees it: the first parent's from the registration on, a
    second one once identity offers it. `state` and `revision` come from identity's events (the
    newest revision wins); `requested_at` and `requested_by` are the school's last request."""

    __tablename__ = "parent_login"

    pupil_id: UUID = Field(foreign_key="pupil.id", primary_key=True)
    parent: int = Field(default=Parent.FIRST, primary_key=True)  # `Parent`
    state: LoginState = Field(default=LoginState.NOT_SENT, sa_type=String(16))
    revision: int = 0
    changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    requested_by: str | None = Field(default=None, max_length=64)


class SecondaryAccess(Base, table=True):
    """A secondary school that received a pupil's registration (aanmelding's events): its staff read the
    pupil's dossier while `withdrawn_at` is null. `changed_at` is when the newest event applied happened."""

    __tablename__ = "secondary_access"

    registration_id: UUID = Field(primary_key=True)
    school_brin: str = Field(primary_key=True, max_length=6)
    pupil_id: UUID = Field(foreign_key="pupil.id", index=True)
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    changed_at: datetime = Field(sa_type=UtcDateTime)


class PupilNote(Base, table=True):
    """A note (notitie) of the primary school on a pupil: for its own organisation, or also for the
    secondary school the pupil is registered with."""

    __tablename__ = "pupil_note"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    pupil_id: UUID = Field(foreign_key="pupil.id", index=True)
    visibility: NoteVisibility = Field(sa_type=String(32))
    text: str = Field(sa_type=Text)
    author: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UtcDateTime)


class InformationRequest(Base, table=True):
    """A secondary school's question to the pupil's primary school, and its answer; the texts stay here."""

    __tablename__ = "information_request"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    pupil_id: UUID = Field(foreign_key="pupil.id", index=True)
    from_school_brin: str = Field(max_length=6)
    to_school_brin: str = Field(max_length=6)
    message: str = Field(sa_type=Text)
    asked_by: str = Field(max_length=64)
    asked_at: datetime = Field(sa_type=UtcDateTime)
    answer: str | None = Field(default=None, sa_type=Text)
    answered_by: str | None = Field(default=None, max_length=64)
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Attachment(Base, table=True):
    """A file attached to a pupil's OKI-doc (bijlage): PDF, PNG or JPEG, its bytes kept here."""

    __tablename__ = "attachment"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    pupil_id: UUID = Field(foreign_key="pupil.id", index=True)
    file_name: str = Field(max_length=200)
    media_type: str = Field(max_length=32)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_type=LargeBinary)
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = Field(sa_type=UtcDateTime)


class AuditEntry(Base, table=True):
    """One read or change of a pupil's dossier by staff. Insert-only; ids and plain facts only."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_type=UtcDateTime, index=True)
    action: AuditAction = Field(sa_type=String(32))
    pupil_id: UUID | None = Field(default=None, index=True)
    actor: str = Field(max_length=64, index=True)
    actor_role: str = Field(max_length=16)
    impersonator: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The chain (domain/audit.py): set when the entry is appended, at the commit (persistence/audit.py).
    previous_hash: str | None = Field(default=None, max_length=64, nullable=False, unique=True)
    entry_hash: str | None = Field(default=None, max_length=64, nullable=False)
