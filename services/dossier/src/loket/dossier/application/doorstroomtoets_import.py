"""Importing a school's file of doorstroomtoets results: every row matched to exactly one pupil the
caller sees, or listed for matching by hand (`domain/doorstroomtoets_file.py`). A result already
recorded is overwritten only when the school asks ("Overschrijven"). One transaction; each recorded
result is audited. The school matches the listed rows itself with `PUT /pupils/{id}/doorstroomtoets`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loket.dossier.adapters.files import text_of
from loket.dossier.application import DossierWork, Uow
from loket.dossier.application.pupil_import import importing_school
from loket.dossier.domain.access import Caller
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.doorstroomtoets_file import Candidate, ResultRow, match, read
from loket.dossier.persistence.models import Pupil
from loket.dossier.persistence.repository import Pupils


@dataclass
class ImportReport:
    matched: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def described(row: ResultRow) -> dict[str, Any]:
    return {
        "line": row.line,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "birth_date": row.birth_date.isoformat(),
        "advice": row.advice.code,
    }


def pupil_of(pupil: Pupil) -> dict[str, Any]:
    return {
        "pupil_id": str(pupil.id),
        "elk_number": pupil.elk_number,
        "given_name": pupil.given_name,
        "family_name": pupil.family_name,
    }


class DoorstroomtoetsImport:
    def __init__(self, work: DossierWork) -> None:
        self.work = work

    async def run(self, caller: Caller, school: str, file: bytes, *, overwrite: bool) -> ImportReport:
        school = importing_school(caller, school, "only the school's own staff import its doorstroomtoets results")
        rows, failed = read(text_of(file))
        report = ImportReport(failed=[{"line": line, "problem": problem} for line, problem in failed])
        async with self.work() as uow:
            pupils = {pupil.id: pupil for pupil, _ in await Pupils(uow.session).in_reach(caller, school=school)}
            candidates = [Candidate(p.id, p.given_name, p.family_name, p.birth_date) for p in pupils.values()]
            matching = match(rows, candidates)
            for row, pupil_id in matching.matched:
                outcome = await self._record(uow, caller, pupils[pupil_id], row, overwrite, uow.now)
                report.matched.append({**described(row), **pupil_of(pupils[pupil_id]), "outcome": outcome})
            for row, ids, why in matching.ambiguous:
                report.ambiguous.append(
                    {**described(row), "why": why, "candidates": [pupil_of(pupils[i]) for i in ids]}
                )
            report.unmatched = [described(row) for row in matching.unmatched]
        return report

    @staticmethod
    async def _record(uow: Uow, caller: Caller, pupil: Pupil, row: ResultRow, overwrite: bool, now: datetime) -> str:
        oki = await Pupils(uow.session).oki_doc(pupil)
        recorded = oki.doorstroomtoets or {}
        if recorded.get("level") == row.advice.code:
            return "unchanged"
        if recorded and not overwrite:
            return "skipped: a different result is recorded; import with overwrite to replace it"
        oki.doorstroomtoets = {"test": row.test, "level": row.advice.code, "recorded_at": now.isoformat()}
        oki.changed_at = now
        Pupils(uow.session).add(oki)
        uow.audit.record(caller, AuditAction.DOORSTROOMTOETS_RECORDED, pupil.id, level=row.advice.code, source="file")
        return "recorded"
