"""Lists that scale: a list route takes `?limit=&offset=&sort=` and says the whole list's length in the
`X-Total-Count` header, so that a page of a region's thousands of pupils never loads the rest.

Without `limit` a route answers the whole list as before (the APIs' existing callers keep working). The
sort key is one of the names the route offers, `-` before it for descending; a name it does not offer is
refused, as FastAPI refuses a bad query parameter (a 422, `type` `unknown_sort`, the names it offers in
`ctx`), never silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1  # more rows than any list holds; beyond 2**63 the database cannot even be asked
TOTAL_HEADER = "X-Total-Count"
Row = TypeVar("Row")


@dataclass(frozen=True)
class Paging:
    limit: int | None = None
    offset: int = 0
    sort: str | None = None

    @property
    def descending(self) -> bool:
        return bool(self.sort and self.sort.startswith("-"))

    def key(self, offered: Sequence[str], default: str) -> str:
        """The sort key asked for (without its `-`), once it is one the route offers."""
        name = (self.sort or default).lstrip("-")
        if name not in offered:
            raise RequestValidationError(
                [
                    {
                        "type": "unknown_sort",
                        "loc": ("query", "sort"),
                        "msg": f"cannot sort by {name!r}; sort by one of: {', '.join(offered)}",
                        "input": self.sort,
                        "ctx": {"offered": list(offered)},
                    }
                ]
            )
        return name


def paging(
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="At most this many rows")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
    sort: Annotated[
        str | None, Query(pattern=r"^-?[a-z_]+$", description="A field to sort on; `-field` descends")
    ] = None,
) -> Paging:
    return Paging(limit, offset, sort)


Paged = Annotated[Paging, Depends(paging)]


def page_statement(
    statement: Select[Any], paging: Paging, columns: Mapping[str, ColumnElement[Any]], default: str
) -> tuple[Select[Any], Select[Any]]:
    """The statement for one page, sorted (rows without the key last, as `page_of`; ties broken by the
    statement's own order), and one counting the whole list."""
    column = columns[paging.key(list(columns), default)]
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    ordered = statement.order_by(None).order_by((column.desc() if paging.descending else column.asc()).nulls_last())
    ordered = ordered.order_by(*statement._order_by_clauses)
    if paging.limit is not None:
        ordered = ordered.limit(paging.limit).offset(paging.offset)
    return ordered, counted


def page_of(rows: Sequence[Row], paging: Paging, keys: Mapping[str, Callable[[Row], Any]], default: str) -> list[Row]:
    """One page of a list made in memory (rows built from several tables). `None` sorts last either way."""
    key = keys[paging.key(list(keys), default)]
    present = [row for row in rows if key(row) is not None]
    absent = [row for row in rows if key(row) is None]
    ordered = sorted(present, key=key, reverse=paging.descending) + absent
    if paging.limit is None:
        return ordered
    return ordered[paging.offset : paging.offset + paging.limit]


def tell_total(response: Response, total: int) -> None:
    response.headers[TOTAL_HEADER] = str(total)
