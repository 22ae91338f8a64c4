from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import String
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata
from loket.notificatie.domain.messages import MessageState

metadata = service_metadata()
messaging = messaging_tables(metadata)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class Message(Base, table=True):
    """One message to one recipient. The link in an activation mail is not stored: it is a secret."""

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    requested_by: UUID = Field(unique=True, description="The event that asked for this message.")
    template: str = Field(max_length=64)
    reference: UUID = Field(index=True)
    recipient: str = Field(max_length=320)
    language: str = Field(max_length=16)
    state: MessageState = Field(default=MessageState.QUEUED, sa_type=String(16))
    server_reply: str | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
