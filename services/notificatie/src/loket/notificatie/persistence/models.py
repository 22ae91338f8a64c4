from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata
from loket.notificatie.domain.messages import MessageState

metadata = service_metadata()
messaging = messaging_tables(metadata)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class Message(Base, table=True):
    """One message to one recipient: queued → sent or failed, with the mail server's last answer.

    The link in an activation, invitation or reset mail is not stored: it is a secret. A retry
    renders the mail again from the event, which waits in RabbitMQ (`adapters/retries.py`)."""

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    requested_by: UUID = Field(unique=True, description="The event that asked for this message.")
    template: str = Field(max_length=64)
    reference: UUID = Field(index=True)
    pupil_id: UUID | None = Field(default=None, index=True, description="The pupil the message is about, if any.")
    recipient: str = Field(max_length=320)
    language: str = Field(max_length=16)
    state: MessageState = Field(default=MessageState.QUEUED, sa_type=String(16))
    attempts: int = Field(default=0, description="Attempts at sending so far.")
    server_reply: str | None = Field(default=None, description="The mail server's answer to the last attempt.")
    created_at: datetime = Field(sa_type=UtcDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Pupil(Base, table=True):
    """Which school registered a pupil (from `dossier.pupil.registered.v1`), so that the school sees the
    messages about its pupils. Nothing else about the pupil: no name, no address."""

    id: UUID = Field(primary_key=True)
    school_brin: str = Field(max_length=16, index=True)
    registered_at: datetime = Field(sa_type=UtcDateTime, description="When notificatie heard of it.")


class ParentAddress(Base, table=True):
    """Where the first parent of a pupil gets mail about the registration: the address the activation
    link went to (from `identity.activation.issued`; the newest counts), and the parent's language."""

    __tablename__ = "parent_address"

    pupil_id: UUID = Field(primary_key=True)
    recipient: str = Field(max_length=320)
    username: str = Field(max_length=32, description="The parent's username: the pupil's ELK number.")
    language: str = Field(max_length=16)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class SchoolAddress(Base, table=True):
    """Where a school hears of questions about its pupils and of answers to its own questions (from
    `dossier.school.contact_changed.v1`; the newest event counts), and its name for the mail. A school's
    address, never a person's."""

    __tablename__ = "school_address"

    school_brin: str = Field(primary_key=True, max_length=16)
    name: str = Field(max_length=200)
    recipient: str | None = Field(default=None, max_length=320, description="None: the school gave no address.")
    changed_at: datetime = Field(sa_type=UtcDateTime, description="When dossier recorded the change.")


class PreparedLetter(Base, table=True):
    """A placement letter a school prepared for a moment (the round's publication): printed when it was
    prepared, mailed at `send_at`. Its fields and PDF hold the child's name, so both are emptied once the
    letter is sent or has failed; then only the `message` row tells what happened."""

    __tablename__ = "prepared_letter"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    pupil_id: UUID = Field(index=True)
    school_brin: str = Field(max_length=16, index=True)
    recipient: str = Field(max_length=320)
    case_reference: str = Field(max_length=64)
    send_at: datetime = Field(sa_type=UtcDateTime, index=True)
    fields: dict[str, Any] | None = Field(default=None, sa_type=JSON, description="The mail's merge fields.")
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)
    prepared_at: datetime = Field(sa_type=UtcDateTime)
    prepared_by: str = Field(max_length=64)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    message_id: UUID | None = Field(default=None, description="The message once sent or failed.")
