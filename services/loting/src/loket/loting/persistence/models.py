from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from loket.contracts.tables import messaging_tables, service_metadata

metadata = service_metadata()
messaging = messaging_tables(metadata)


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass
