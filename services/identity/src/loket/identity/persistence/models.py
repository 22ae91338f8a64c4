"""identity's tables.

Parent accounts (`parent_account`, `activation_token`) are opened when a primary school asks for a
parent's login (dossier's event); `school` lists the schools a parent can pick at activation. Staff
accounts (`staff_account`, `invitation`) by an administrator's invitation; staff with a second factor
keep a set of `recovery_code`s. Both kinds log in through
the same sessions (`login_session`, `refresh_token`) and reset a forgotten password the same way
(`password_reset`). `failed_attempt` is the sliding window that throttling counts in. `audit_event`
is insert-only: a trigger from migration `0002_staff_and_security` refuses UPDATE and DELETE (and on
PostgreSQL TRUNCATE); each entry carries the hash of the one before it (`0007_audit_chain`).
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata
from loket.contracts.tokens import Role
from loket.identity.domain.accounts import AccountState, LoginState, MailState, Parent
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.sessions import AccountKind, SessionEnd
from loket.identity.domain.throttling import AttemptKind

metadata = service_metadata()
messaging = messaging_tables(metadata)

INSERT_ONLY = ("audit_event",)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class ParentAccount(Base, table=True):
    """One parent's login to one pupil: the first parent's, and where the region allows it a second's.

    `school_brin` and `birth_date` are the pupil's, which the parent is asked at activation; the birth
    date is forgotten once the account is activated. `login_state` is the dot the school was last told
    (`identity.parent_login.state_changed.v1`), `revision` counts those announcements.
    """

    __tablename__ = "parent_account"
    __table_args__ = (UniqueConstraint("pupil_id", "parent", name="uq_parent_account_pupil_id_parent"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    pupil_id: UUID
    parent: int = Field(default=Parent.FIRST)  # `Parent`
    username: str = Field(max_length=32, unique=True)
    email: str = Field(max_length=320)
    language: str = Field(default="nl", max_length=16)
    school_brin: str | None = Field(default=None, max_length=6)
    birth_date: date | None = None
    state: AccountState = Field(default=AccountState.PENDING, sa_type=String(16))
    activation_mail: MailState = Field(default=MailState.NOT_SENT, sa_type=String(16))
    activation_mail_error: str | None = None
    login_state: LoginState = Field(default=LoginState.NOT_SENT, sa_type=String(16))
    revision: int = 0
    password_hash: str | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ActivationToken(Base, table=True):
    """A single-use activation link, stored only as its SHA-256. `wrong_answers` counts wrong schools
    and birth dates given with it; at the region's limit it is locked (`locked_at`). `issued_event_id`
    is the `identity.activation.issued` that carried it, so that the outcome of an older link's
    mail does not colour the dot of a newer one."""

    __tablename__ = "activation_token"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID = Field(foreign_key="parent_account.id", index=True)
    digest: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    wrong_answers: int = 0
    locked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    issued_event_id: UUID | None = None


class School(Base, table=True):
    """A primary school as the schools' requests for parent logins named it: the list a parent picks
    the child's school from at activation."""

    __tablename__ = "school"

    brin: str = Field(primary_key=True, max_length=6)
    name: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class StaffAccount(Base, table=True):
    """A member of staff; the username is the e-mail address, in lower case."""

    __tablename__ = "staff_account"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    role: Role = Field(sa_type=String(16))
    board: str | None = Field(default=None, max_length=32, index=True)
    school_brin: str | None = Field(default=None, max_length=6, index=True)
    groups: list[str] = Field(default_factory=list, sa_type=JSON)
    language: str = Field(default="nl", max_length=16)
    state: AccountState = Field(default=AccountState.PENDING, sa_type=String(16))
    invitation_mail: MailState = Field(default=MailState.NOT_SENT, sa_type=String(16))
    invitation_mail_error: str | None = None
    password_hash: str | None = None
    totp_secret: str | None = Field(
        default=None, max_length=128, description="Sealed with LOKET_IDENTITY_TOTP_KEY (`v1:` + base64)."
    )
    totp_confirmed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    totp_last_step: int | None = None
    invited_by: UUID | None = None  # None: the operator's command line
    created_at: datetime = Field(sa_type=UtcDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    deactivated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class RecoveryCode(Base, table=True):
    """One recovery code of a staff account's current set: its first group in the clear (`lookup`), the
    whole code only as an argon2id hash. `used_at` is set when it is used; a new set deletes the old."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("account_id", "lookup", name="uq_recovery_code_account_id_lookup"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID = Field(foreign_key="staff_account.id", index=True)
    lookup: str = Field(max_length=8)
    digest: str = Field(max_length=255)
    created_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class BoardSchool(Base, table=True):
    """A school (location, by BRIN) of a board, as the region administrator set it."""

    __tablename__ = "board_school"

    board: str = Field(primary_key=True, max_length=32)
    school_brin: str = Field(primary_key=True, max_length=6)


class Invitation(Base, table=True):
    """A single-use link for a new staff member to set a password; stored only as its SHA-256."""

    __tablename__ = "invitation"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID = Field(foreign_key="staff_account.id", index=True)
    digest: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class PasswordReset(Base, table=True):
    """A single-use link to choose a new password, for a staff or a parent account."""

    __tablename__ = "password_reset"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_kind: AccountKind = Field(sa_type=String(8))
    account_id: UUID = Field(index=True)
    digest: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LoginSession(Base, table=True):
    """A session of a web portal, from login to its end. `id` is the `sid` of its access tokens.

    While a board contact looks along as a user (meekijken), the session is the user's and
    `impersonator_id` is the board contact's staff account.
    """

    __tablename__ = "login_session"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_kind: AccountKind = Field(sa_type=String(8))
    account_id: UUID = Field(index=True)
    impersonator_id: UUID | None = Field(default=None, foreign_key="staff_account.id")
    client_address: str | None = Field(default=None, max_length=64)
    started_at: datetime = Field(sa_type=UtcDateTime)
    refreshed_at: datetime = Field(sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    end_reason: SessionEnd | None = Field(default=None, sa_type=String(32))


class RefreshToken(Base, table=True):
    """One refresh token of a session, stored as its SHA-256; `used_at` is set when it is rotated."""

    __tablename__ = "refresh_token"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    session_id: UUID = Field(foreign_key="login_session.id", index=True)
    digest: str = Field(max_length=64, unique=True)
    issued_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    used_from: str | None = Field(default=None, max_length=64, description="The client address that rotated it.")


class FailedAttempt(Base, table=True):
    """One failed attempt (or reset request), counted per account key and per client address."""

    __tablename__ = "failed_attempt"
    __table_args__ = (
        Index("ix_failed_attempt_account_key_attempted_at", "account_key", "attempted_at"),
        Index("ix_failed_attempt_client_address_attempted_at", "client_address", "attempted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: AttemptKind = Field(sa_type=String(16))
    account_key: str | None = Field(default=None, max_length=64)
    client_address: str | None = Field(default=None, max_length=64)
    attempted_at: datetime = Field(sa_type=UtcDateTime, index=True)


class AuditEvent(Base, table=True):
    """One security event. Insert-only. Never a password, token, link or TOTP secret."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_type=UtcDateTime, index=True)
    action: AuditAction = Field(sa_type=String(40))
    outcome: Outcome = Field(sa_type=String(16))
    actor_id: str | None = Field(default=None, max_length=64, index=True)
    actor_role: str | None = Field(default=None, max_length=16)
    subject_id: str | None = Field(default=None, max_length=64, index=True)
    session_id: UUID | None = None
    client_address: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The chain (domain/audit.py): set when the entry is appended, at the commit (persistence/audit.py).
    previous_hash: str | None = Field(default=None, max_length=64, nullable=False, unique=True)
    entry_hash: str | None = Field(default=None, max_length=64, nullable=False)
