"""Pupils as a school's own pupil administration (leerlingadministratiesysteem, LAS) hands them over,
and the rule for bringing them into the dossier ("leerlingen overhalen"), free of any framework.

Every way in is an adapter that yields `PupilRecord`s and the problems of the rows it could not read
(`PupilAdministrationExport`). Today there is one: the CSV export of the LAS (`domain/las_csv.py`). The
real OSO exchange needs a Kennisnet-certified point; its adapter belongs beside the CSV one, turning
each OSO overstapdossier into a `PupilRecord` (its `line` numbering the dossiers in the transfer), and
everything after that stays as it is.

A record is matched to a pupil of the school by a stable key: the school's own pupil number
(leerlingnummer), else the BSN, else (for pupils registered by hand, who have neither yet) the exact
name and birth date. Then each field follows `sync_field`:

- an empty cell says nothing and changes nothing; the same value is unchanged;
- an empty field in the dossier is filled in;
- a field that still holds what the last import put there follows the LAS (it changed there);
- a field that staff changed or entered by hand in the dossier is kept, unless the school asks to
  overwrite ("Overschrijven"), and the report says which fields were kept and why;
- the BSN is filled in when the dossier has none, and replaced only on overwrite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from loket.dossier.domain.doorstroomtoets_file import plain

GIVEN_NAME, FAMILY_NAME, BIRTH_DATE, GROUP = "roepnaam", "achternaam", "geboortedatum", "groep"
ADDRESS_FIELDS = {"straat": "street", "huisnummer": "house_number", "postcode": "postcode", "woonplaats": "city"}
PARENT_FIELDS = {"naam": "name", "email": "email", "telefoon": "phone"}
PARENT_COLUMNS = {
    f"ouder{number}_{column}": (number - 1, key) for number in (1, 2) for column, key in PARENT_FIELDS.items()
}
DETAILS = (GIVEN_NAME, FAMILY_NAME, BIRTH_DATE, GROUP, *ADDRESS_FIELDS, *PARENT_COLUMNS)
"""The fields a record brings, by the column names of the CSV export (the BSN apart)."""

OUTDATING = frozenset({GIVEN_NAME, FAMILY_NAME, BIRTH_DATE, *ADDRESS_FIELDS, *PARENT_COLUMNS})
"""A change to one of these means a fresh registration form (`dossier.registration_form.outdated.v1`)."""

BY_HAND = "changed by hand in the dossier; import with overwrite=true (Overschrijven) to replace it"
ENTERED_BY_HAND = "entered by hand in the dossier and different here; import with overwrite=true to replace it"
OTHER_BSN = "the dossier holds another BSN; import with overwrite=true to replace it"


@dataclass(frozen=True)
class PupilRecord:
    """One pupil as the LAS knows it. `details` maps each field of `DETAILS` to its value (or None:
    the LAS says nothing); the BSN is apart, so that it is never listed or reported with the rest."""

    line: int
    pupil_number: str
    details: Mapping[str, str | None]
    bsn: str | None = None

    @property
    def given_name(self) -> str:
        return self.details[GIVEN_NAME] or ""

    @property
    def family_name(self) -> str:
        return self.details[FAMILY_NAME] or ""

    @property
    def birth_date(self) -> date:
        return date.fromisoformat(self.details[BIRTH_DATE] or "")


@dataclass(frozen=True)
class RowProblem:
    """Why a row is not applied: its line, the column, the reason (never repeating a BSN)."""

    line: int
    field: str
    reason: str
    pupil_number: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "pupil_number": self.pupil_number, "field": self.field, "reason": self.reason}


@dataclass
class ReadExport:
    records: list[PupilRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


class PupilAdministrationExport(Protocol):
    """One way pupils come over from a school's LAS: the CSV export (`LasCsvExport`) today, an OSO
    transfer once Loket has a certified exchange point."""

    system: str  # which adapter, for the audit trail (e.g. `las_csv`, `oso`)

    def read(self) -> ReadExport: ...


class Step(StrEnum):
    UNCHANGED = "unchanged"
    FILL = "fill"  # the dossier had nothing
    FOLLOW = "follow"  # the dossier held the last imported value; the LAS changed it
    OVERWRITE = "overwrite"  # changed by hand, replaced on request
    KEEP = "keep"  # changed by hand, kept


def sync_field(current: str | None, incoming: str | None, last_imported: str | None, overwrite: bool) -> Step:
    """What one field of a known pupil does on import (see the module's docstring)."""
    if incoming is None or current == incoming:
        return Step.UNCHANGED
    if current is None:
        return Step.FILL
    if last_imported is not None and current == last_imported:
        return Step.FOLLOW
    return Step.OVERWRITE if overwrite else Step.KEEP


@dataclass
class FieldPlan:
    """What an import does to one known pupil: the new values, and the fields kept with the reason."""

    changes: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    imported: dict[str, str] = field(default_factory=dict)  # fields that now hold the LAS's value


def plan(
    current: Mapping[str, str | None],
    record: PupilRecord,
    imported: Mapping[str, str],
    overwrite: bool,
) -> FieldPlan:
    result = FieldPlan()
    for name in DETAILS:
        incoming = record.details.get(name)
        step = sync_field(current.get(name), incoming, imported.get(name), overwrite)
        if step is Step.KEEP:
            result.kept[name] = BY_HAND if name in imported else ENTERED_BY_HAND
            continue
        if incoming is not None:
            result.imported[name] = incoming
        if step is not Step.UNCHANGED and incoming is not None:
            result.changes[name] = incoming
    return result


def bsn_step(has_bsn: bool, same_bsn: bool, incoming: str | None, overwrite: bool) -> Step:
    """The BSN: filled in when the dossier has none, replaced only on overwrite."""
    if incoming is None or same_bsn:
        return Step.UNCHANGED
    if not has_bsn:
        return Step.FILL
    return Step.OVERWRITE if overwrite else Step.KEEP


@dataclass(frozen=True)
class Known:
    """A pupil of the school as matching sees it; `bsn` opened in memory only, never kept or logged."""

    id: UUID
    elk_number: str
    pupil_number: str | None
    bsn: str | None
    given_name: str
    family_name: str
    birth_date: date


@dataclass
class Matches:
    found: dict[int, UUID | None] = field(default_factory=dict)  # line → the pupil, or None: a new pupil
    problems: list[RowProblem] = field(default_factory=list)


def match(records: Sequence[PupilRecord], pupils: Sequence[Known]) -> Matches:
    """Each record to the pupil with its pupil number, else with its BSN, else (a pupil registered by
    hand, with no pupil number yet) with exactly its name and birth date; else it is a new pupil. A
    name that differs only in the given name from such a pupil is not guessed: the school corrects it."""
    by_number = {p.pupil_number.casefold(): p for p in pupils if p.pupil_number}
    by_bsn = {p.bsn: p for p in pupils if p.bsn}
    result = Matches()
    claimed: set[UUID] = set()
    by_name: list[PupilRecord] = []
    for record in records:
        numbered = by_number.get(record.pupil_number.casefold())
        same_bsn = by_bsn.get(record.bsn) if record.bsn else None
        if same_bsn is not None and numbered is not None and same_bsn != numbered:
            problem = f"the BSN is that of another pupil of the school (ELK-nummer {same_bsn.elk_number})"
            result.problems.append(RowProblem(record.line, "bsn", problem, record.pupil_number))
        elif same_bsn is not None and numbered is None and same_bsn.pupil_number:
            problem = f"the BSN is that of the pupil with leerlingnummer {same_bsn.pupil_number}"
            result.problems.append(RowProblem(record.line, "leerlingnummer", problem, record.pupil_number))
        elif (found := numbered or same_bsn) is not None:
            result.found[record.line] = found.id
            claimed.add(found.id)
        else:
            by_name.append(record)
    by_hand = [p for p in pupils if not p.pupil_number and p.id not in claimed]
    exact = {record.line: [p for p in by_hand if _same(p, record)] for record in by_name}
    claimed |= {found[0].id for found in exact.values() if len(found) == 1}
    for record in by_name:
        if len(exact[record.line]) == 1:
            result.found[record.line] = exact[record.line][0].id
            continue
        family = [p for p in by_hand if p.id not in claimed and _same(p, record, given=False)]
        if exact[record.line] or family:
            names = ", ".join(f"{p.given_name} {p.family_name} (ELK-nummer {p.elk_number})" for p in family)
            problem = (
                f"a pupil registered by hand with this family name and birth date is called differently: {names}; "
                "correct the name in the dossier or in the LAS and import again"
                if family and not exact[record.line]
                else "more than one pupil registered by hand has this name and birth date; match them by hand"
            )
            result.problems.append(RowProblem(record.line, GIVEN_NAME, problem, record.pupil_number))
        else:
            result.found[record.line] = None
    return result


def _same(pupil: Known, record: PupilRecord, *, given: bool = True) -> bool:
    return (
        pupil.birth_date == record.birth_date
        and plain(pupil.family_name) == plain(record.family_name)
        and (not given or plain(pupil.given_name) == plain(record.given_name))
    )
