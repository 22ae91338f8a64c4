"""A list page: which page of how many, sorted on which column, as the address says (`?page=2&sort=-name`).

The portal never pages itself: it asks the service for one page (`limit`, `offset`, `sort`) and the
service says the whole list's length (`X-Total-Count`, loket.contracts.runtime.paging)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    path: str
    page: int = 1
    sort: str = ""
    size: int = PAGE_SIZE
    filters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls, path: str, query: Mapping[str, str], sorts: Sequence[str], default: str, filters: Sequence[str] = ()
    ) -> Listing:
        """The listing the address asks for; an unknown sort or a page that is no number falls back quietly
        (an old bookmark still opens the list)."""
        sort = query.get("sort") or default
        if sort.lstrip("-") not in sorts:
            sort = default
        try:
            page = max(1, int(query.get("page") or 1))
        except ValueError:
            page = 1
        kept = tuple((name, query[name]) for name in filters if query.get(name))
        return cls(path, page, sort, filters=kept)

    @property
    def key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def params(self) -> dict[str, str | int]:
        """What the service is asked for: one page, sorted, filtered."""
        return {"limit": self.size, "offset": (self.page - 1) * self.size, "sort": self.sort, **dict(self.filters)}

    def href(self, **change: str | int) -> str:
        listing = replace(self, **change) if change else self  # type: ignore[arg-type]
        query = [("sort", listing.sort), *listing.filters]
        if listing.page > 1:
            query.append(("page", str(listing.page)))
        return f"{listing.path}?{urlencode(query)}"

    def sorted_by(self, key: str) -> str:
        """The address that sorts on `key`: ascending first, descending when it is already ascending."""
        sort = f"-{key}" if self.sort == key else key
        return self.href(sort=sort, page=1)

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.size))
