"""The CSV export of a school's pupil administration (LAS), the adapter a school can use today, free of
any framework. ParnasSys and ESIS both export pupil lists as CSV; the school chooses these columns
(header row, names in any case and order; `;` as a Dutch spreadsheet writes it, or `,`):

| column | required | what |
|---|---|---|
| `leerlingnummer` | yes | the school's own pupil number: the key an import is matched by |
| `roepnaam`, `achternaam` | yes | the given name, the family name |
| `tussenvoegsel` (or `voorvoegsel`) | no | e.g. `de`, `van der`: joined to the family name |
| `geboortedatum` | yes | dd-mm-jjjj (or jjjj-mm-dd) |
| `bsn` | no | nine digits passing the eleven test; stored sealed, never reported |
| `groep` | no | a group of the school, like `8a` (set up in dossier first) |
| `straat`, `huisnummer`, `postcode`, `woonplaats` | no | the pupil's address |
| `ouder1_naam`, `ouder1_email`, `ouder1_telefoon` | no | the first parent; a new pupil needs the e-mail address |
| `ouder2_naam`, `ouder2_email`, `ouder2_telefoon` | no | a second parent |

Other columns are ignored. An empty cell says nothing: it never empties a field in the dossier. Each
row is read whole or not at all: every problem is reported with its line, its column and the reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pydantic import validate_email
from pydantic_core import PydanticCustomError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import postcode

from loket.contracts.errors import Invalid
from loket.dossier.domain.doorstroomtoets_file import birth_date_from
from loket.dossier.domain.organisation import group_name
from loket.dossier.domain.pupil_administration import (
    BIRTH_DATE,
    DETAILS,
    FAMILY_NAME,
    GIVEN_NAME,
    GROUP,
    PARENT_COLUMNS,
    PupilRecord,
    ReadExport,
    RowProblem,
)
from loket.dossier.domain.pupils import check_birth_date, check_bsn

REQUIRED_COLUMNS = ("leerlingnummer", "roepnaam", "achternaam", "geboortedatum")
ALIASES = {"voorvoegsel": "tussenvoegsel"}
PUPIL_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,31}$")
LENGTHS = {GIVEN_NAME: 100, FAMILY_NAME: 100, "straat": 200, "huisnummer": 16, "woonplaats": 200}


def _text(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        text = " ".join(value.split())
        if len(text) > limit:
            raise Invalid("", f"is longer than {limit} characters")
        return text

    return check


def _email(value: str) -> str:
    try:
        return validate_email(value)[1]
    except PydanticCustomError:
        raise Invalid("", "is not an e-mail address") from None


def _postcode(value: str) -> str:
    try:
        return str(postcode.validate(value))
    except StdnumError:
        raise Invalid("", "is not a Dutch postcode like 1234 AB") from None


def _group(value: str) -> str:
    return group_name(value, GROUP)


CHECKS: dict[str, Callable[[str], str]] = {
    **{column: _text(LENGTHS.get(column, 200)) for column in DETAILS},
    GROUP: _group,
    "postcode": _postcode,
    **{column: _email for column in PARENT_COLUMNS if column.endswith("_email")},
    **{column: _text(32) for column in PARENT_COLUMNS if column.endswith("_telefoon")},
}


@dataclass
class LasCsvExport:
    """A `PupilAdministrationExport` over the CSV export of the school's LAS."""

    content: str
    today: date
    system: str = field(default="las_csv", init=False)

    def read(self) -> ReadExport:
        reader = csv.DictReader(io.StringIO(self.content.lstrip("\ufeff")), dialect=_dialect(self.content))
        columns = {_column(name) for name in reader.fieldnames or ()}
        if missing := [name for name in REQUIRED_COLUMNS if name not in columns]:
            raise Invalid("file", f"the header lacks the columns {', '.join(missing)}")
        export = ReadExport()
        for line, raw in enumerate(reader, start=2):
            cells = {_column(key or ""): (value or "").strip() for key, value in raw.items() if key is not None}
            if not any(cells.values()):
                continue  # an empty line, as spreadsheets leave at the end
            record, problems = self._record(line, cells)
            if problems:
                export.problems.extend(problems)
            elif record is not None:
                export.records.append(record)
        return _without_duplicates(export)

    def _record(self, line: int, cells: dict[str, str]) -> tuple[PupilRecord | None, list[RowProblem]]:
        number = cells.get("leerlingnummer", "")
        problems: list[RowProblem] = []

        def problem(column: str, reason: str) -> None:
            problems.append(RowProblem(line, column, reason, number or None))

        if not PUPIL_NUMBER.match(number):
            problem("leerlingnummer", "is empty or not a pupil number (1 to 32 letters, digits, . _ / -)")
        details: dict[str, str | None] = {}
        for column in DETAILS:
            raw = cells.get(column, "")
            if column == FAMILY_NAME:
                raw = " ".join(part for part in (cells.get("tussenvoegsel"), raw) if part)
            if column == BIRTH_DATE:
                details[column] = self._birth_date(raw, problem)
                continue
            try:
                details[column] = CHECKS[column](raw) if raw else None
            except Invalid as exc:
                problem(column, exc.problem)
        for column in (GIVEN_NAME, FAMILY_NAME):
            if not cells.get(column):
                problem(column, "is empty")
        bsn = None
        if cells.get("bsn"):
            try:
                bsn = check_bsn(cells["bsn"])
            except Invalid as exc:
                problem("bsn", exc.problem)  # the problem never repeats the number
        if problems:
            return None, problems
        return PupilRecord(line=line, pupil_number=number, details=details, bsn=bsn), []

    def _birth_date(self, raw: str, problem: Callable[[str, str], None]) -> str | None:
        try:
            born = birth_date_from(raw)
            check_birth_date(born, self.today)
        except Invalid:
            problem(BIRTH_DATE, "is not a primary-school pupil's birth date like 09-03-2014")
            return None
        return born.isoformat()


def _column(name: str) -> str:
    name = name.strip().lower()
    return ALIASES.get(name, name)


def _dialect(content: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(content[:4096], delimiters=";,")
    except csv.Error:
        return csv.excel


def _without_duplicates(export: ReadExport) -> ReadExport:
    """Two rows with one pupil number, or one BSN, are both refused: which one is right is the school's call."""
    by_number: dict[str, list[PupilRecord]] = defaultdict(list)
    by_bsn: dict[str, list[PupilRecord]] = defaultdict(list)
    for record in export.records:
        by_number[record.pupil_number.casefold()].append(record)
        if record.bsn is not None:
            by_bsn[record.bsn].append(record)
    refused: dict[int, RowProblem] = {}
    for column, groups in (("leerlingnummer", by_number), ("bsn", by_bsn)):
        for records in groups.values():
            if len(records) > 1:
                lines = ", ".join(str(record.line) for record in records)
                for record in records:
                    reason = f"the same {column} is on lines {lines}"
                    refused.setdefault(record.line, RowProblem(record.line, column, reason, record.pupil_number))
    kept = [record for record in export.records if record.line not in refused]
    return ReadExport(kept, sorted([*export.problems, *refused.values()], key=lambda problem: problem.line))
