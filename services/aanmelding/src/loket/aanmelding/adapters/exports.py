"""A secondary school's exports, as CSV (semicolons, as Dutch spreadsheets expect) or XLSX (openpyxl):
its registrations with every choice, those of pupils from outside the region (buitenleerlingen: a `B`
number; `primary_school` is their school of origin), those who go into its lottery, and its withdrawals.
Ids and facts, no names: the school reads names in the dossier."""

import csv
import io
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from openpyxl import Workbook

from loket.aanmelding.domain.eligibility import from_outside_the_region
from loket.aanmelding.domain.procedure import Procedure
from loket.aanmelding.persistence.models import Placement, Registration


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


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()  # a BOM, so that Excel reads UTF-8


def as_xlsx(rows: list[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    if rows:
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _moment(value: Any) -> str:
    return value.isoformat(timespec="minutes") if value else ""
