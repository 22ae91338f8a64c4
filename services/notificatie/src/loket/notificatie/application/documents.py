"""A parent's registration documents as PDFs: the paper form (aanmeldformulier), for parents who cannot
register online, the control document (controledocument), to check the list before submitting it, and
the proof of registration (bewijs van aanmelding) after.

The control document and the proof are printed from what aanmelding recorded (the list, the claims, when
it was submitted) and what dossier keeps (the child's name and ELK number), read with the caller's own
token (`adapters/records.py`): never from what a caller sends, so nobody can print a list that was not
submitted. aanmelding's and dossier's access checks decide who gets them; their 401, 403 and 404 are the
answer. The paper form is blank: the caller gives its fields, and `domain/access.py` says who may print
it. Each is printed with the locked-down printer (`adapters/letters/rendering.py`); nothing is kept or
mailed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from loket.contracts.errors import Conflict
from loket.contracts.runtime.unit_of_work import Work
from loket.contracts.tokens import Claims
from loket.notificatie.adapters.letters.printing import Printing
from loket.notificatie.adapters.letters.rendering import Letter
from loket.notificatie.adapters.records import RecordedPupil, RecordedRegistration, Records
from loket.notificatie.application.mails import PRIORITY_KINDS
from loket.notificatie.domain.access import documents_of_pupil
from loket.notificatie.persistence.recipients import Recipients

SUBMITTED = ("submitted", "forwarded")  # aanmelding's states of a registration that was made final


class NotPrintable(Conflict):
    """Nothing to print yet (409): `code` says why, as `{"detail", "code"}`."""

    def body(self) -> dict[str, Any]:
        return {"detail": str(self), "code": self.code}


class Documents:
    def __init__(self, work: Work[Any], printing: Printing, records: Records) -> None:
        self.work = work
        self.printing = printing
        self.records = records

    async def paper_form(self, claims: Claims, pupil_id: UUID, fields: dict[str, Any]) -> bytes:
        """The blank form with the caller's fields, for the pupil's parent and the staff who send the
        school's letters."""
        async with self.work() as uow:
            school = await Recipients(uow.session).school_of(pupil_id)
        documents_of_pupil(claims, pupil_id, school).enforce("pupil")
        [pdf] = await self.printing.pdfs([Letter("paper_form", fields)])
        return pdf

    async def from_records(self, pupil_id: UUID, authorization: str, *, proof: bool) -> bytes:
        """The control document, or the proof: read the registration (aanmelding first: it is the gate),
        then the pupil, and print."""
        registration = await self.records.registration(pupil_id, authorization)
        printable(registration, proof)
        assert registration is not None
        pupil = await self.records.pupil(pupil_id, authorization)
        fields = await self._fields(registration, pupil, proof)
        kind = "registration_receipt" if proof else "registration_summary"
        [pdf] = await self.printing.pdfs([Letter(kind, fields, reference=str(registration.id) if proof else "")])
        return pdf

    async def _fields(self, registration: RecordedRegistration, pupil: RecordedPupil, proof: bool) -> dict[str, Any]:
        choices = registration.preferences
        if registration.goes_to == "primary_school":  # Zaanstad: the list is handed in at the primary school
            async with self.work() as uow:
                primary = await Recipients(uow.session).school_address(pupil.school_brin)
            school_name = primary.name if primary else pupil.school_brin
        else:
            receiving = [choice for choice in choices if choice.school_brin == registration.goes_to] or choices
            school_name = receiving[0].school_name
        fields: dict[str, Any] = {
            "pupil_name": f"{pupil.given_name} {pupil.family_name}",
            "elk_number": pupil.elk_number,
            "school_name": school_name,
            "preferences": [{"school": choice.school_name, "program": choice.program_name} for choice in choices],
        }
        if proof:
            return {**fields, "registered_at": registration.submitted_at, "case_reference": str(registration.id)}
        return {**fields, "advice": registration.advice, "priority_claims": claims_in_words(registration.priority)}


def printable(registration: RecordedRegistration | None, proof: bool) -> None:
    if registration is None:
        raise NotPrintable("the pupil has no registration (none begun, or it was withdrawn)", code="no_registration")
    if proof and registration.state not in SUBMITTED:
        raise NotPrintable(
            f"the registration is {registration.state}: a proof is printed once it is submitted", code="not_submitted"
        )
    if not registration.preferences:
        raise NotPrintable("the registration has no list of schools yet", code="no_preferences")


def claims_in_words(priority: dict[str, Any] | None) -> list[str]:
    """The claimed priority as the parent reads it, e.g. 'broer of zus op de school: Ali, klas 2b'."""
    kind = (priority or {}).get("kind")
    if not kind:
        return []
    words = PRIORITY_KINDS.get(kind, (kind, kind))[0]
    assert priority is not None
    sibling = ", ".join(
        part
        for part in (
            priority.get("sibling_name"),
            f"klas {priority['sibling_class']}" if priority.get("sibling_class") else None,
        )
        if part
    )
    return [f"{words}: {sibling}" if sibling else words]
