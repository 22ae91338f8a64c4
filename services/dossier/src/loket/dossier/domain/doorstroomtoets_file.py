"""Reading a file of doorstroomtoets results and matching its rows to pupils, free of any framework.

The file is CSV as a spreadsheet writes it (`;` or `,`), with a header row naming at least
`achternaam`, `roepnaam`, `geboortedatum` (dd-mm-jjjj or jjjj-mm-dd) and `advies` (e.g. `havo`,
`vmbo-gl/tl`, `havo/vwo`), and optionally `voorvoegsel` and `toets`.

A row is matched only when exactly one of the school's pupils has its family name, given name and
birth date, and no other pupil shares that family name and birth date. Everything else is listed for
the school to match by hand, never guessed: twins (two pupils, one family name and birth date), a name
spelled differently from the dossier, two rows for one pupil, and rows that fit nobody.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from loket.contracts.errors import Invalid
from loket.dossier.domain.advice import Advice

REQUIRED_COLUMNS = ("achternaam", "roepnaam", "geboortedatum", "advies")
DUTCH_LEVELS = {  # the spellings schools and test providers use, longest first
    "praktijkonderwijs": "pro",
    "vmbo-gl/tl": "vmbo_gt",
    "vmbo gl/tl": "vmbo_gt",
    "vmbo-(g)t": "vmbo_gt",
    "vmbo-gt": "vmbo_gt",
    "vmbo-tl": "vmbo_gt",
    "vmbo-kb": "vmbo_k",
    "vmbo-bb": "vmbo_b",
    "vmbo-k": "vmbo_k",
    "vmbo-b": "vmbo_b",
    "gl/tl": "vmbo_gt",
}


@dataclass(frozen=True)
class ResultRow:
    line: int
    given_name: str
    family_name: str
    birth_date: date
    test: str | None
    advice: Advice


@dataclass(frozen=True)
class Candidate:
    id: UUID
    given_name: str
    family_name: str
    birth_date: date


@dataclass
class Matching:
    matched: list[tuple[ResultRow, UUID]] = field(default_factory=list)
    ambiguous: list[tuple[ResultRow, list[UUID], str]] = field(default_factory=list)  # row, candidates, why
    unmatched: list[ResultRow] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # line, problem


def advice_from_dutch(value: str) -> Advice:
    text = value.strip().lower()
    for spelling, code in DUTCH_LEVELS.items():
        text = text.replace(spelling, code)
    parts = [part.replace("-", "_").replace(" ", "") for part in text.split("/")]
    # "vmbo-b/k": the second level of a combined vmbo advice is often written without "vmbo"
    parts = [f"vmbo_{part}" if part in ("b", "k", "gt") else part for part in parts]
    return Advice.parse("/".join(parts), "advies")


def birth_date_from(value: str) -> date:
    for pattern in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise Invalid("geboortedatum", "is not a date like 09-03-2014")


def read(content: str) -> tuple[list[ResultRow], list[tuple[int, str]]]:
    """The rows of the file, and for each row that cannot be read, its line and why."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(content[:4096], delimiters=";,")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")), dialect=dialect)
    columns = {name.strip().lower() for name in reader.fieldnames or ()}
    if missing := [name for name in REQUIRED_COLUMNS if name not in columns]:
        raise Invalid("file", f"the header lacks the columns {', '.join(missing)}")
    rows, failed = [], []
    for line, raw in enumerate(reader, start=2):
        cells = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items()}
        try:
            family = " ".join(part for part in (cells.get("voorvoegsel"), cells["achternaam"]) if part)
            if not family or not cells["roepnaam"]:
                raise Invalid("achternaam", "the name is empty")
            rows.append(
                ResultRow(
                    line=line,
                    given_name=cells["roepnaam"],
                    family_name=family,
                    birth_date=birth_date_from(cells["geboortedatum"]),
                    test=cells.get("toets") or None,
                    advice=advice_from_dutch(cells["advies"]),
                )
            )
        except Invalid as problem:
            failed.append((line, f"{problem.field}: {problem.problem}"))
    return rows, failed


def plain(name: str) -> str:
    """A name compared without case, accents or extra spaces (Zoë and zoe are one name)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def match(rows: Iterable[ResultRow], pupils: Iterable[Candidate]) -> Matching:
    pupils = list(pupils)
    result = Matching()
    found: list[tuple[ResultRow, UUID]] = []
    for row in rows:
        born = [p for p in pupils if p.birth_date == row.birth_date]
        family = [p for p in born if plain(p.family_name) == plain(row.family_name)]
        exact = [p for p in family if plain(p.given_name) == plain(row.given_name)]
        if len(exact) == 1 and len(family) == 1:
            found.append((row, exact[0].id))
        elif len(family) > 1:
            result.ambiguous.append((row, [p.id for p in family], "more than one pupil with this name and birth date"))
        elif family:
            result.ambiguous.append((row, [family[0].id], "the given name differs from the dossier"))
        elif same_given := [p for p in born if plain(p.given_name) == plain(row.given_name)]:
            result.ambiguous.append((row, [p.id for p in same_given], "the family name differs from the dossier"))
        else:
            result.unmatched.append(row)
    twice = {pupil for pupil, count in Counter(pupil for _, pupil in found).items() if count > 1}
    for row, pupil in found:
        if pupil in twice:
            result.ambiguous.append((row, [pupil], "more than one row for this pupil"))
        else:
            result.matched.append((row, pupil))
    return result
