from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import String
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata
from loket.identity.domain.accounts import AccountState, MailState

metadata = service_metadata()
messaging = messaging_tables(metadata)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class ParentAccount(Base, table=True):
    __tablename__ = "parent_account"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    pupil_id: UUID = Field(unique=True)
    username: str = Field(max_length=32, unique=True)
    email: str = Field(max_length=320)
    state: AccountState = Field(default=AccountState.PENDING, sa_type=String(16))
    activation_mail: MailState = Field(default=MailState.NOT_SENT, sa_type=String(16))
    activation_mail_error: str | None = None
    password_hash: str | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ActivationToken(Base, table=True):
    __tablename__ = "activation_token"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID = Field(foreign_key="parent_account.id", index=True)
    digest: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
