"""A secondary school's exports, as CSV (semicolons, as Dutch spreadsheets expect) or XLSX (openpyxl):
its registrations with every choice, those of pupils from outside the region (buitenleerlingen: a `B`
number; `primary_school` is their school of origin), those who go into its lottery, and its withdrawals.
Ids and facts, no names: the school reads names in the dossier.

A spreadsheet opens these files, and some cells hold what a person typed (the school's stream and
reasons, the twin's ELK number the parent gave, dossier's ELK numbers): as OWASP's CSV-injection guidance
says, a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a single quote before
it (`cell_text`), in both formats, so that no spreadsheet reads it as a formula. In the CSV every field
is also quoted. In the XLSX every text is a string cell: openpyxl would otherwise make a text that
begins with `=` a formula and `#N/A` an error value. defusedcsv does the same for CSV only, and leaves
out the tab and the carriage return."""

import csv
import io
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from loket.aanmelding.domain.eligibility import from_outside_the_region
from loket.aanmelding.domain.procedure import Procedure
from loket.aanmelding.persistence.models import Placement, Registration

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what makes a spreadsheet read a formula


def registration_rows(
    procedure: Procedure,
    found: Sequence[tuple[Registration, Placement | None]],
    elk_numbers: dict[UUID, str | None],
    *,
    external_only: bool = False,
) -> list[dict[str, Any]]:
    if external_only:
        found = [(r, p) for r, p in found if from_outside_the_region(elk_numbers.get(r.pupil_id))]
    programs = procedure.programs()
    longest = max((len(registration.preferences) for registration, _ in found), default=0)

    def named(code: str | None) -> str:
        if code is None or code not in programs:
            return ""
        school, program = programs[code]
        return f"{school.name} – {program.name} ({code})"

    rows = []
    for registration, placement in found:
        row: dict[str, Any] = {
            "registration": str(registration.id),
            "pupil": str(registration.pupil_id),
            "elk_number": elk_numbers.get(registration.pupil_id) or "",
            "primary_school": registration.school_brin,
            "round": registration.round_code,
            "registered_at": _moment(registration.forwarded_at or registration.submitted_at),
            "advice": registration.advice,
        }
        for index in range(longest):
            code = registration.preferences[index] if index < len(registration.preferences) else None
            row[f"choice_{index + 1}"] = named(code)
        row |= {
            "priority": (registration.priority or {}).get("kind") or "",
            "priority_decision": registration.priority_decision or "",
            "equivalent_program_wish": "yes" if registration.equivalent_program_wish else "no",
            "multiple_birth": "yes" if registration.multiple_birth else "no",
            "twin_elk_number": (registration.multiple_birth or {}).get("sibling_elk_number") or "",
            "placement": named(placement.program) if placement else "",
            "placed_by_school": _moment(registration.school_placed_at),
            "stream": registration.placed_stream or "",
            "tafelmiddag": "yes" if registration.tafelmiddag else "no",
        }
        rows.append(row)
    return rows


def withdrawal_rows(found: Sequence[Registration]) -> list[dict[str, Any]]:
    return [
        {
            "registration": str(registration.id),
            "pupil": str(registration.pupil_id),
            "primary_school": registration.school_brin,
            "state": registration.state,
            "withdrawn_at": _moment(registration.withdrawn_at),
            "by": "school" if registration.withdrawal_reason else "parent",
            "reason": registration.withdrawal_reason or "",
        }
        for registration in found
    ]


def cell_text(value: str) -> str:
    """A text as a cell shows it: with a single quote before it when it would begin a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL)
        for values in _lines(rows):
            writer.writerow(cell_text(value) if isinstance(value, str) else value for value in values)
    return ("\ufeff" + out.getvalue()).encode()  # a BOM, so that Excel reads UTF-8


def as_xlsx(rows: list[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for row_number, values in enumerate(_lines(rows), start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, str):
                cell.value = cell_text(value)
                cell.data_type = TYPE_STRING  # text, whatever openpyxl guessed from it
            else:
                cell.value = value  # a number or a date the export made itself
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lines(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The header (the first row's keys) and every row's values, in the header's order."""
    if not rows:
        return []
    header = list(rows[0])
    return [header, *([row.get(name, "") for name in header] for row in rows)]


def _moment(value: Any) -> str:
    return value.isoformat(timespec="minutes") if value else ""
