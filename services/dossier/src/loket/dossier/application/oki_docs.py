"""The OKI-doc's life: reading it, the school writing its parts and correcting the pupil's details,
and its statuses. Each call is one transaction that holds the pupil's row (on PostgreSQL, locked), so
two writes to one dossier take turns. The rules are in `domain/oki_doc.py` and `domain/access.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from loket.contracts.errors import Conflict, Forbidden, Invalid
from loket.contracts.events import FinalAdviceGiven, RegistrationFormOutdated
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.application import DossierWork, Uow
from loket.dossier.application.reach import Reached, reached, read_by, shown, written
from loket.dossier.domain import oki_doc as rules
from loket.dossier.domain.access import Caller
from loket.dossier.domain.advice import Advice, check_final_advice, revision_needed
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.oki_doc import Missing, OkiDocStatus
from loket.dossier.domain.pupils import check_birth_date, check_bsn
from loket.dossier.persistence.models import OkiDoc, Pupil
from loket.dossier.persistence.repository import Pupils

PUPIL_DETAILS = ("given_name", "family_name", "birth_date", "address", "parents")


@dataclass(frozen=True)
class OkiDocView:
    pupil_id: UUID
    status: OkiDocStatus
    document: dict[str, Any]
    missing: list[Missing]
    revision_needed: bool
    changed_at: datetime | None
    completed_at: datetime | None
    finalised_at: datetime | None
    for_secondary: bool = False  # read by a secondary school: the primary school's own worklist is left out


def pupil_details(pupil: Pupil) -> dict[str, Any]:
    return {
        "elk_number": pupil.elk_number,
        "school_brin": pupil.school_brin,
        "given_name": pupil.given_name,
        "family_name": pupil.family_name,
        "birth_date": pupil.birth_date.isoformat(),
        "address": pupil.address,
        "parents": pupil.parents,
    }


def advice_of(record: dict[str, Any] | None) -> Advice | None:
    return None if not record or not record.get("level") else Advice.parse(record["level"])


class OkiDocs:
    def __init__(self, work: DossierWork, vault: BsnVault, required: tuple[str, ...]) -> None:
        self.work = work
        self.vault = vault
        self.required = required

    async def read(self, caller: Caller, pupil_id: UUID, *, as_pdf: bool = False) -> OkiDocView:
        """The OKI-doc; also for a secondary school the pupil is registered with (without the primary
        school's list of missing fields)."""
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, as_secondary=True)
            read_by(uow, caller, found, AuditAction.DOSSIER_READ, **({"format": "pdf"} if as_pdf else {}))
            view = self._view(found.pupil, await Pupils(uow.session).oki_doc(found.pupil))
        return view if found.secondary is None else replace(view, missing=[], for_secondary=True)

    async def change(self, caller: Caller, pupil_id: UUID, sections: dict[str, Any]) -> OkiDocView:
        """The school replaces the parts it sends; a final OKI-doc is locked."""
        sections = normalised(sections, self.work.clock().date())
        async with self.work() as uow:
            found, oki = await self._writable(uow, caller, pupil_id)
            rules.check_editable(oki.status)
            oki.content = {**oki.content, **sections}
            oki.status = rules.after_edit(oki.status, self._missing(found.pupil, oki))
            oki.changed_at = uow.now
            Pupils(uow.session).add(oki)
            uow.audit.record(caller, AuditAction.OKI_DOC_CHANGED, pupil_id, parts=sorted(sections))
            return self._view(found.pupil, oki)

    async def change_pupil(self, caller: Caller, pupil_id: UUID, changes: dict[str, Any]) -> Reached:
        """The school corrects the pupil's details, also in a final OKI-doc (they reach the registration
        form); a change that empties a required field of a final OKI-doc is refused. A real change
        announces that a fresh registration form is needed. The BSN (`bsn`: set, or None to forget it)
        is sealed and only audited; it is not on the registration form. Answers the pupil as changed."""
        if "birth_date" in changes:
            check_birth_date(changes["birth_date"], self.work.clock().date())
        bsn = None if changes.get("bsn") is None else check_bsn(changes["bsn"])
        if "parents" in changes and not (changes["parents"] and changes["parents"][0].get("email")):
            raise Invalid("parents", "the first parent needs an e-mail address: the parent login goes there")
        async with self.work() as uow:
            found, oki = await self._writable(uow, caller, pupil_id)
            pupil = found.pupil
            changed = sorted(key for key in PUPIL_DETAILS if key in changes and getattr(pupil, key) != changes[key])
            for key in changed:
                setattr(pupil, key, changes[key])
            if "parents" in changed:
                pupil.parent_email = pupil.parents[0]["email"]
            if "bsn" in changes:
                pupil.bsn_sealed = None if bsn is None else self.vault.seal(bsn, pupil.id)
                uow.audit.record(caller, AuditAction.BSN_CHANGED, pupil_id, known=bsn is not None)
            still_missing = self._missing(pupil, oki)
            if OkiDocStatus(oki.status) is OkiDocStatus.FINAL and still_missing:
                raise Conflict(
                    "the OKI-doc is final: this change would leave required fields empty",
                    missing=[item.as_dict() for item in still_missing],
                )
            oki.status = rules.after_edit(oki.status, still_missing)
            Pupils(uow.session).add(pupil, oki)
            if changed:
                uow.audit.record(caller, AuditAction.PUPIL_CHANGED, pupil_id, fields=changed)
                await uow.emit(RegistrationFormOutdated(pupil_id=pupil.id, school_brin=pupil.school_brin))
            return await shown(uow, caller, found, self.vault)

    async def complete(self, caller: Caller, pupil_id: UUID) -> OkiDocView:
        """Onvolledig → Volledig, only when no required field is missing (else every one is listed)."""
        async with self.work() as uow:
            found, oki = await self._writable(uow, caller, pupil_id)
            oki.status = rules.complete(oki.status, self._missing(found.pupil, oki))
            oki.completed_at = oki.changed_at = uow.now
            Pupils(uow.session).add(oki)
            uow.audit.record(caller, AuditAction.OKI_DOC_COMPLETED, pupil_id)
            return self._view(found.pupil, oki)

    async def finalise(self, caller: Caller, pupil_id: UUID) -> OkiDocView:
        """Volledig → Definitief, after the parents' inspection is recorded in the overview; then locked."""
        async with self.work() as uow:
            found, oki = await self._writable(uow, caller, pupil_id)
            doc = self._document(found.pupil, oki)
            oki.status = rules.finalise(oki.status, rules.missing_for_final(doc, self.required))
            oki.finalised_at = oki.changed_at = uow.now
            Pupils(uow.session).add(oki)
            uow.audit.record(caller, AuditAction.OKI_DOC_FINALISED, pupil_id)
            return self._view(found.pupil, oki)

    async def reopen(self, caller: Caller, pupil_id: UUID, reason: str) -> OkiDocView:
        """Definitief → Volledig, only by an administrator, with the reason in the audit trail."""
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, for_update=True)
            if not caller.administers_pupil(found.ref):
                raise Forbidden("only an administrator reopens a final OKI-doc")
            oki = await Pupils(uow.session).oki_doc(found.pupil)
            oki.status = rules.reopen(oki.status, reason)
            oki.finalised_at, oki.changed_at = None, uow.now
            Pupils(uow.session).add(oki)
            uow.audit.record(caller, AuditAction.OKI_DOC_REOPENED, pupil_id, reason=reason.strip())
            return self._view(found.pupil, oki)

    async def record_doorstroomtoets(self, caller: Caller, pupil_id: UUID, test: str | None, level: str) -> OkiDocView:
        """The school records the doorstroomtoets result (also in a final OKI-doc: it comes in March).
        When it is higher than a final advice already given, that advice needs revising (`revision_needed`)."""
        result = Advice.parse(level)
        async with self.work() as uow:
            found, oki = await self._writable(uow, caller, pupil_id)
            now = uow.now
            oki.doorstroomtoets = {"test": test, "level": result.code, "recorded_at": now.isoformat()}
            oki.changed_at = now
            Pupils(uow.session).add(oki)
            uow.audit.record(caller, AuditAction.DOORSTROOMTOETS_RECORDED, pupil_id, level=result.code)
            return self._view(found.pupil, oki)

    async def give_final_advice(
        self, caller: Caller, pupil_id: UUID, level: str, motivation: str | None, not_raised_because: str | None
    ) -> OkiDocView:
        """The school gives (or changes) the final advice; below the doorstroomtoets result only with its
        reasons for not raising it. A new advice level is announced: it opens registration."""
        advice = Advice.parse(level)
        async with self.work() as uow:
            found, oki = await self._writable(uow, caller, pupil_id)
            check_final_advice(advice, advice_of(oki.doorstroomtoets), not_raised_because)
            before = advice_of(oki.final_advice)
            now = uow.now
            oki.final_advice = {
                "level": advice.code,
                "motivation": motivation,
                "not_raised_because": not_raised_because,
                "given_at": now.isoformat(),
            }
            oki.changed_at = now
            Pupils(uow.session).add(oki)
            uow.audit.record(caller, AuditAction.FINAL_ADVICE_GIVEN, pupil_id, level=advice.code)
            if advice != before:
                given = FinalAdviceGiven(
                    pupil_id=found.pupil.id, school_brin=found.pupil.school_brin, advice=advice.code
                )
                await uow.emit(given)
            return self._view(found.pupil, oki)

    async def _writable(self, uow: Uow, caller: Caller, pupil_id: UUID) -> tuple[Reached, OkiDoc]:
        found = await written(uow, caller, pupil_id, "only the primary school's own staff write a pupil's dossier")
        return found, await Pupils(uow.session).oki_doc(found.pupil)

    @staticmethod
    def _document(pupil: Pupil, oki: OkiDoc) -> dict[str, Any]:
        return rules.document(pupil_details(pupil), oki.content, oki.doorstroomtoets, oki.final_advice)

    def _missing(self, pupil: Pupil, oki: OkiDoc) -> list[Missing]:
        return rules.missing(self._document(pupil, oki), self.required)

    def _view(self, pupil: Pupil, oki: OkiDoc) -> OkiDocView:
        final = oki.final_advice or {}
        return OkiDocView(
            pupil_id=pupil.id,
            status=OkiDocStatus(oki.status),
            document=self._document(pupil, oki),
            missing=self._missing(pupil, oki),
            revision_needed=revision_needed(
                advice_of(oki.final_advice), advice_of(oki.doorstroomtoets), final.get("not_raised_because")
            ),
            changed_at=oki.changed_at,
            completed_at=oki.completed_at,
            finalised_at=oki.finalised_at,
        )


def normalised(sections: dict[str, Any], today: date) -> dict[str, Any]:
    """The parts as stored: only known parts, advice levels as their codes, no inspection in the future."""
    if unknown := set(sections) - set(rules.SECTIONS):
        raise Invalid(sorted(unknown)[0], "is not a part of the OKI-doc the school writes")
    advice = sections.get("advice")
    if advice:
        for key in ("provisional_7", "provisional_8"):
            if advice.get(key) and advice[key].get("level"):
                advice[key]["level"] = Advice.parse(advice[key]["level"], f"advice.{key}.level").code
    overview = sections.get("overview")
    if overview and overview.get("parents_inspected_on"):
        rules.check_inspection_date(date.fromisoformat(overview["parents_inspected_on"]), today)
    return sections
