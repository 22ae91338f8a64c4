"""Rows that two events may make at the same moment."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


async def make_row(session: AsyncSession, table: type[Any], key: dict[str, Any], **values: Any) -> None:
    """Insert the row with this primary key unless it exists; a concurrent insert of the same row waits."""
    dialect = (await session.connection()).dialect.name
    new = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    await session.execute(new.values(**key, **values).on_conflict_do_nothing(index_elements=list(key)))
