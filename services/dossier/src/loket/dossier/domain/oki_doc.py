"""The OKI-doc (onderwijskundig dossier), free of any framework: its parts, which fields a region
requires, and its statuses.

The OKI-doc is one document with the parts of the seeds' tabs: `pupil` (name, birth date, address,
parents/guardians, school career), `advice` (provisional advice groep 7 and 8 with its motivation, the
doorstroomtoets, the final advice with its motivation, advice on extra support, contact person,
tafelmiddag), `test_results` (per school year), `support` (absence; didactic and behavioural items
marked goes well / needs attention / needs support) and `overview` (the parents' inspection). A field
is named by its path in the document, e.g. `advice.provisional_8.motivation` or `pupil.parents.0.email`.

Statuses: Onvolledig (`incomplete`) → Volledig (`complete`, only when the check finds no required
field missing; every missing one is listed by path and name) → Definitief (`final`, after the parents'
inspection; locked). Only an administrator reopens a final OKI-doc, back to Volledig. An edit that
empties a required field of a Volledig OKI-doc makes it Onvolledig again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from loket.contracts.errors import Conflict, Invalid


class OkiDocStatus(StrEnum):
    INCOMPLETE = "incomplete"  # Onvolledig
    COMPLETE = "complete"  # Volledig
    FINAL = "final"  # Definitief


class Assessment(StrEnum):
    GOES_WELL = "goes_well"  # gaat goed
    NEEDS_ATTENTION = "needs_attention"  # vraagt aandacht
    NEEDS_SUPPORT = "needs_support"  # vraagt ondersteuning: needs an explanation


SECTIONS = ("school_career", "advice", "test_results", "support", "overview")
"""The parts the school writes in the OKI-doc itself; the pupil's personal details live on the pupil,
the doorstroomtoets and the final advice have their own steps."""

FIELDS: dict[str, str] = {
    "pupil.given_name": "Voornaam",
    "pupil.family_name": "Achternaam",
    "pupil.birth_date": "Geboortedatum",
    "pupil.address.street": "Straat",
    "pupil.address.house_number": "Huisnummer",
    "pupil.address.postcode": "Postcode",
    "pupil.address.city": "Woonplaats",
    "pupil.parents.0.name": "Naam 1e ouder/verzorger",
    "pupil.parents.0.email": "E-mailadres 1e ouder/verzorger",
    "pupil.parents.0.phone": "Telefoonnummer 1e ouder/verzorger",
    "pupil.school_career": "Schoolloopbaan",
    "advice.provisional_7.level": "Voorlopig advies groep 7",
    "advice.provisional_8.level": "Voorlopig advies groep 8",
    "advice.provisional_8.motivation": "Onderbouwing voorlopig advies groep 8",
    "advice.doorstroomtoets.level": "Doorstroomtoets",
    "advice.final.level": "Definitief advies groep 8",
    "advice.final.motivation": "Onderbouwing definitief advies groep 8",
    "advice.support_advice": "Advies met betrekking tot extra ondersteuning",
    "advice.contact_person.name": "Contactpersoon",
    "advice.contact_person.email": "E-mailadres contactpersoon",
    "advice.contact_person.phone": "Telefoonnummer contactpersoon",
    "advice.tafelmiddag": "Tafeltjesmiddag",
    "test_results": "Toetsresultaten",
    "support.absence": "Verzuim",
    "support.didactic": "Extra ondersteuning didactische vaardigheden",
    "support.behaviour": "Extra ondersteuning werkhouding en gedrag",
    "overview.parents_inspected_on": "Datum inzage ouders",
    "overview.parents_agreed": "Akkoord ouders",
}
"""Every field a region can require, by path, with its name as the school sees it."""

DEFAULT_REQUIRED: tuple[str, ...] = (
    "pupil.given_name",
    "pupil.family_name",
    "pupil.birth_date",
    "pupil.address.street",
    "pupil.address.house_number",
    "pupil.address.postcode",
    "pupil.address.city",
    "pupil.parents.0.name",
    "pupil.parents.0.email",
    "pupil.school_career",
    "advice.provisional_8.level",
    "advice.provisional_8.motivation",
    "advice.support_advice",
    "advice.contact_person.name",
    "advice.tafelmiddag",
    "test_results",
    "support.absence",
    "support.didactic",
    "support.behaviour",
)
"""Volledig without the doorstroomtoets and the final advice, which come in March (the seeds: the
OKI-doc is made complete "nog zonder uitslag doorstroomtoets"); the overview is needed for Definitief."""

SUPPORT_AREAS = {"didactic": "didactische vaardigheden", "behaviour": "werkhouding en gedrag"}


@dataclass(frozen=True)
class Missing:
    path: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "name": self.name}


def required_fields(paths: Iterable[str]) -> tuple[str, ...]:
    """A region's required fields, checked against the fields the OKI-doc has."""
    chosen = tuple(dict.fromkeys(path.strip() for path in paths if path.strip()))
    if unknown := [path for path in chosen if path not in FIELDS]:
        raise ValueError(f"unknown OKI-doc fields {unknown}; known are {sorted(FIELDS)}")
    return chosen


def document(
    pupil: Mapping[str, Any],
    content: Mapping[str, Any],
    doorstroomtoets: Mapping[str, Any] | None,
    final_advice: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The whole OKI-doc: the pupil's details, the school's parts, the doorstroomtoets and final advice."""
    advice = dict(content.get("advice") or {})
    advice["doorstroomtoets"] = dict(doorstroomtoets) if doorstroomtoets else None
    advice["final"] = dict(final_advice) if final_advice else None
    return {
        "pupil": {**pupil, "school_career": list(content.get("school_career") or [])},
        "advice": advice,
        "test_results": list(content.get("test_results") or []),
        "support": dict(content.get("support") or {}),
        "overview": dict(content.get("overview") or {}),
    }


def value_at(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, Sequence) and not isinstance(value, str) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            return None
    return value


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(is_empty(item) for item in value.values())
    if isinstance(value, list | tuple):
        return not value
    return False  # False, 0 and dates are answers


def missing(doc: Mapping[str, Any], required: Iterable[str]) -> list[Missing]:
    """Every required field that is empty, and every explanation a filled-in field calls for."""
    found = [Missing(path, FIELDS[path]) for path in required if is_empty(value_at(doc, path))]
    for area, label in SUPPORT_AREAS.items():
        for index, item in enumerate(value_at(doc, f"support.{area}") or []):
            if item.get("assessment") == Assessment.NEEDS_SUPPORT and is_empty(item.get("explanation")):
                name = f"Toelichting bij '{item.get('item')}' ({label}): vraagt ondersteuning"
                found.append(Missing(f"support.{area}.{index}.explanation", name))
    if value_at(doc, "overview.parents_agreed") is False and is_empty(value_at(doc, "overview.parents_view")):
        found.append(Missing("overview.parents_view", "Reden of zienswijze ouders (niet akkoord)"))
    return found


def missing_for_final(doc: Mapping[str, Any], required: Iterable[str]) -> list[Missing]:
    """Definitief needs everything Volledig needs, and the parents' inspection: its date and whether
    they agreed (an agreement is not needed, but their view is when they did not agree)."""
    overview = ("overview.parents_inspected_on", "overview.parents_agreed")
    return missing(doc, [*required, *(path for path in overview if path not in required)])


def check_editable(status: str) -> None:
    status = OkiDocStatus(status)  # as the database gives it back
    if status is OkiDocStatus.FINAL:
        raise Conflict("the OKI-doc is final (Definitief) and locked; an administrator can reopen it")


def after_edit(status: str, still_missing: Sequence[Missing]) -> OkiDocStatus:
    status = OkiDocStatus(status)  # as the database gives it back
    return OkiDocStatus.INCOMPLETE if status is OkiDocStatus.COMPLETE and still_missing else status


def complete(status: str, still_missing: Sequence[Missing]) -> OkiDocStatus:
    status = OkiDocStatus(status)  # as the database gives it back
    check_editable(status)
    if still_missing:
        raise Conflict(
            f"the OKI-doc cannot be complete (Volledig): {len(still_missing)} required fields are empty",
            missing=[item.as_dict() for item in still_missing],
        )
    return OkiDocStatus.COMPLETE


def finalise(status: str, still_missing: Sequence[Missing]) -> OkiDocStatus:
    status = OkiDocStatus(status)  # as the database gives it back
    if status is not OkiDocStatus.COMPLETE:
        raise Conflict(f"only a complete (Volledig) OKI-doc becomes final; this one is {status.value}")
    if still_missing:
        raise Conflict(
            "the OKI-doc cannot be final (Definitief) before the parents' inspection is recorded",
            missing=[item.as_dict() for item in still_missing],
        )
    return OkiDocStatus.FINAL


def reopen(status: str, reason: str) -> OkiDocStatus:
    status = OkiDocStatus(status)  # as the database gives it back
    if status is not OkiDocStatus.FINAL:
        raise Conflict(f"only a final (Definitief) OKI-doc is reopened; this one is {status.value}")
    if not reason.strip():
        raise Invalid("reason", "say why the final OKI-doc is reopened")
    return OkiDocStatus.COMPLETE


def check_inspection_date(inspected_on: date | None, today: date) -> None:
    if inspected_on is not None and inspected_on > today:
        raise Invalid("overview.parents_inspected_on", "the parents' inspection cannot be in the future")
