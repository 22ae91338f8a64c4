from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from loket.contracts.tables import UtcDateTime, messaging_tables, service_metadata

metadata = service_metadata()
messaging = messaging_tables(metadata)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class Pupil(Base, table=True):
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    elk_number: str = Field(max_length=16, unique=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date
    school_brin: str = Field(max_length=6, index=True)
    parent_email: str = Field(max_length=320)
    created_at: datetime = Field(sa_type=UtcDateTime)
