from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata

metadata = service_metadata()
messaging = messaging_tables(metadata)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class PupilEligibility(Base, table=True):
    """What aanmelding knows of a pupil before any registration: the final advice, and whether the
    registration form must be prepared again. Filled from dossier's events; no name, no birth date."""

    __tablename__ = "pupil_eligibility"

    pupil_id: UUID = Field(primary_key=True)
    school_brin: str = Field(max_length=6, index=True)
    advice: str | None = Field(default=None, max_length=20)
    advice_given_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    form_outdated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    form_prepared_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
