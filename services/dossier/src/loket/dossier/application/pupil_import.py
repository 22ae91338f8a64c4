"""Bringing a school's pupils over from its pupil administration ("leerlingen overhalen"): one
transaction for the whole file. Each record is matched to a pupil of the school or registered as a
new one (an ELK number, the first parent's login not sent, `dossier.pupil.registered.v1`), following
the rules of `domain/pupil_administration.py`; a row with any problem is not applied at all. A change
to a pupil's details announces a fresh registration form, as a change by hand does. Every new and
changed pupil is audited. The report says per pupil: created, changed (which fields, and which were
kept), skipped (only kept fields, and why), unchanged, or failed (line, column, reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loket.contracts.errors import Forbidden, NotFound
from loket.contracts.events import PupilGroupChanged, PupilRegistered, RegistrationFormOutdated
from loket.contracts.tokens import Role
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.adapters.files import text_of
from loket.dossier.application import DossierWork, Uow
from loket.dossier.application.registration import ELK_NUMBER_ATTEMPTS
from loket.dossier.domain import pupil_administration as las
from loket.dossier.domain.access import SCHOOL_STAFF, Caller
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.las_csv import LasCsvExport
from loket.dossier.domain.parent_logins import Parent
from loket.dossier.domain.pupil_administration import PupilAdministrationExport, PupilRecord, RowProblem, Step
from loket.dossier.domain.pupils import next_elk_number
from loket.dossier.persistence.errors import Duplicate
from loket.dossier.persistence.models import ParentLogin, Pupil
from loket.dossier.persistence.organisation import Organisation
from loket.dossier.persistence.repository import Pupils

PupilEntry = dict[str, Any]


@dataclass
class PupilImportReport:
    created: list[PupilEntry] = field(default_factory=list)
    changed: list[PupilEntry] = field(default_factory=list)
    skipped: list[PupilEntry] = field(default_factory=list)
    unchanged: list[PupilEntry] = field(default_factory=list)
    failed: list[dict[str, object]] = field(default_factory=list)


def entry(record: PupilRecord, pupil: Pupil) -> PupilEntry:
    return {
        "line": record.line,
        "pupil_number": record.pupil_number,
        "pupil_id": str(pupil.id),
        "elk_number": pupil.elk_number,
        "given_name": pupil.given_name,
        "family_name": pupil.family_name,
    }


def details_of(pupil: Pupil, group: str | None) -> dict[str, str | None]:
    """The pupil's fields as an import names them (the columns of `domain/las_csv.py`)."""
    address, parents = pupil.address or {}, pupil.parents
    found: dict[str, str | None] = {
        las.GIVEN_NAME: pupil.given_name,
        las.FAMILY_NAME: pupil.family_name,
        las.BIRTH_DATE: pupil.birth_date.isoformat(),
        las.GROUP: group,
    }
    for column, key in las.ADDRESS_FIELDS.items():
        found[column] = address.get(key) or None
    for column, (index, key) in las.PARENT_COLUMNS.items():
        found[column] = (parents[index].get(key) if index < len(parents) else None) or None
    return found


def apply_details(pupil: Pupil, changes: dict[str, str]) -> None:
    address, parents = dict(pupil.address or {}), [dict(parent) for parent in pupil.parents]
    for column, value in changes.items():
        if column == las.GIVEN_NAME:
            pupil.given_name = value
        elif column == las.FAMILY_NAME:
            pupil.family_name = value
        elif column == las.BIRTH_DATE:
            pupil.birth_date = date.fromisoformat(value)
        elif column in las.ADDRESS_FIELDS:
            address[las.ADDRESS_FIELDS[column]] = value
        elif column in las.PARENT_COLUMNS:
            index, key = las.PARENT_COLUMNS[column]
            parents.extend({} for _ in range(index + 1 - len(parents)))
            parents[index][key] = value
    pupil.address = address or None
    pupil.parents = parents
    if parents and parents[0].get("email"):
        pupil.parent_email = parents[0]["email"]


class PupilImport:
    def __init__(self, work: DossierWork, vault: BsnVault) -> None:
        self.work = work
        self.vault = vault

    async def run_las_csv(self, caller: Caller, school: str, file: bytes, *, overwrite: bool) -> PupilImportReport:
        """The CSV export of the school's LAS."""
        export = LasCsvExport(text_of(file), today=self.work.clock().date())
        return await self.run(caller, school, export, overwrite=overwrite)

    async def run(
        self, caller: Caller, school: str, export: PupilAdministrationExport, *, overwrite: bool
    ) -> PupilImportReport:
        school = importing_school(caller, school, "only the school's own staff import its pupil administration")
        if caller.own_groups(school):
            raise Forbidden("a teacher of some groups does not import the whole school's pupils")
        read = export.read()
        for attempt in range(ELK_NUMBER_ATTEMPTS):
            try:
                async with self.work() as uow:
                    report = await _Run(uow, caller, school, export.system, self.vault, overwrite).apply(read)
            except Duplicate:
                if attempt == ELK_NUMBER_ATTEMPTS - 1:
                    raise
                continue  # a pupil registered at the same moment took one of the ELK numbers
            return report
        raise AssertionError("unreachable")


def importing_school(caller: Caller, school: str, refusal: str) -> str:
    """The school whose file its own staff import; a region administrator and the school's board contact are
    refused (`refusal`), anyone else does not find the school."""
    school = school.strip().upper()
    if caller.role not in SCHOOL_STAFF or school not in caller.schools:
        if caller.role is Role.REGION_ADMIN or (caller.role is Role.BOARD_CONTACT and school in caller.schools):
            raise Forbidden(refusal)
        raise NotFound("school not found")
    return school


class _Run:
    """One import inside its unit of work."""

    def __init__(self, uow: Uow, caller: Caller, school: str, system: str, vault: BsnVault, overwrite: bool) -> None:
        self.uow, self.caller, self.school, self.system = uow, caller, school, system
        self.vault, self.overwrite = vault, overwrite
        self.pupils = Pupils(uow.session)
        self.now = uow.now

    async def apply(self, read: las.ReadExport) -> PupilImportReport:
        report = PupilImportReport()
        problems = list(read.problems)
        pupils = await self.pupils.at_school(self.school)
        by_id = {pupil.id: (pupil, group) for pupil, group in pupils}
        groups = {group.name: group.id for group in await Organisation(self.uow.session).groups(self.school)}
        matches = las.match(read.records, [self._known(pupil) for pupil, _ in pupils])
        problems += matches.problems
        highest = await self.pupils.highest_elk_number()
        new: list[Pupil] = []
        for record in read.records:
            if record.line not in matches.found:
                continue
            if (group := record.details.get(las.GROUP)) and group not in groups:
                reason = f"there is no group {group!r} at this school; an administrator sets it up first"
                problems.append(RowProblem(record.line, las.GROUP, reason, record.pupil_number))
                continue
            pupil_id = matches.found[record.line]
            if pupil_id is None:
                if not record.details.get("ouder1_email"):
                    reason = "a new pupil needs the first parent's e-mail address: the parent login goes there"
                    problems.append(RowProblem(record.line, "ouder1_email", reason, record.pupil_number))
                    continue
                highest = next_elk_number(highest)
                pupil = await self._register(record, highest, groups)
                new.append(pupil)
                report.created.append(entry(record, pupil))
            else:
                pupil, group = by_id[pupil_id]
                outcome, more = await self._sync(record, pupil, group, groups)
                getattr(report, outcome).append({**entry(record, pupil), **more})
        await self.pupils.flush()  # the new pupils exist before their parent logins
        self.pupils.add(*(ParentLogin(pupil_id=pupil.id, parent=Parent.FIRST) for pupil in new))
        report.failed = [problem.as_dict() for problem in sorted(problems, key=lambda problem: problem.line)]
        return report

    def _known(self, pupil: Pupil) -> las.Known:
        bsn = None if pupil.bsn_sealed is None else self.vault.open(pupil.bsn_sealed, pupil.id)
        return las.Known(
            pupil.id, pupil.elk_number, pupil.pupil_number, bsn, pupil.given_name, pupil.family_name, pupil.birth_date
        )

    async def _register(self, record: PupilRecord, elk_number: str, groups: dict[str, Any]) -> Pupil:
        details = {column: value for column, value in record.details.items() if value is not None}
        pupil = Pupil(
            elk_number=elk_number,
            pupil_number=record.pupil_number,
            given_name=record.given_name,
            family_name=record.family_name,
            birth_date=record.birth_date,
            school_brin=self.school,
            group_id=groups.get(details.get(las.GROUP, "")),
            parent_email=details["ouder1_email"],
            imported=details,
            created_at=self.now,
        )
        apply_details(pupil, details)
        if record.bsn is not None:
            pupil.bsn_sealed = self.vault.seal(record.bsn, pupil.id)
        self.pupils.add(pupil)
        registered = PupilRegistered(
            pupil_id=pupil.id, elk_number=elk_number, school_brin=self.school, parent_email=pupil.parent_email
        )
        await self.uow.emit(registered)
        if pupil.group_id is not None:
            grouped = PupilGroupChanged(pupil_id=pupil.id, school_brin=self.school, group=details[las.GROUP])
            await self.uow.emit(grouped)
        self.uow.audit.record(self.caller, AuditAction.PUPIL_IMPORTED, pupil.id, source=self.system, line=record.line)
        return pupil

    async def _sync(
        self, record: PupilRecord, pupil: Pupil, group: str | None, groups: dict[str, Any]
    ) -> tuple[str, PupilEntry]:
        """A known pupil: fill, follow or (on request) overwrite its fields; keep what staff changed by hand."""
        fields = las.plan(details_of(pupil, group), record, pupil.imported, self.overwrite)
        current_bsn = None if pupil.bsn_sealed is None else self.vault.open(pupil.bsn_sealed, pupil.id)
        bsn = las.bsn_step(current_bsn is not None, current_bsn == record.bsn, record.bsn, self.overwrite)
        if bsn is Step.KEEP:
            fields.kept["bsn"] = las.OTHER_BSN
        changes = dict(fields.changes)
        linked = pupil.pupil_number is None
        details = {key: value for key, value in changes.items() if key != las.GROUP}
        apply_details(pupil, details)
        if las.GROUP in changes:
            pupil.group_id = groups[changes[las.GROUP]]
            grouped = PupilGroupChanged(pupil_id=pupil.id, school_brin=self.school, group=changes[las.GROUP])
            await self.uow.emit(grouped)
        if bsn in (Step.FILL, Step.OVERWRITE) and record.bsn is not None:
            pupil.bsn_sealed = self.vault.seal(record.bsn, pupil.id)
            self.uow.audit.record(self.caller, AuditAction.BSN_CHANGED, pupil.id, known=True, source=self.system)
            changes["bsn"] = "…"
        pupil.pupil_number = record.pupil_number
        pupil.imported = {**pupil.imported, **fields.imported}
        self.pupils.add(pupil)
        if changes:
            self.uow.audit.record(
                self.caller, AuditAction.PUPIL_CHANGED, pupil.id, fields=sorted(changes), source=self.system
            )
        if set(changes) & las.OUTDATING:
            outdated = RegistrationFormOutdated(pupil_id=pupil.id, school_brin=pupil.school_brin)
            await self.uow.emit(outdated)
        kept = [{"field": name, "reason": reason} for name, reason in fields.kept.items()]
        if changes or linked:
            return "changed", {"fields": sorted(changes), "linked": linked, "kept": kept}
        return ("skipped", {"kept": kept}) if kept else ("unchanged", {})
