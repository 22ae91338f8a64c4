"""The OKI-doc as the school's form, free of any framework: its tabs (the parts dossier writes), the
fields of each as flat names (`advice.provisional_8.level`, `school_career.0.school_year`), the form's
values from the document, the part dossier takes (PATCH …/oki-doc) from a posted form, and where each
missing field of the checklist is filled in.

Rows of a list (school career, test results, support items) are numbered; the form shows the rows there
are and a few empty ones, and a row left empty is no row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loket.portaal.i18n import N_

EMPTY_ROWS = 2


@dataclass(frozen=True)
class Tab:
    key: str
    title: str


TABS = (
    Tab("school_career", N_("School career")),
    Tab("advice", N_("Advice")),
    Tab("test_results", N_("Test results")),
    Tab("support", N_("Support")),
    Tab("overview", N_("Parents' inspection")),
)
TAB_KEYS = frozenset(tab.key for tab in TABS)

LEVELS = (
    "pro",
    "vmbo_b",
    "vmbo_b/vmbo_k",
    "vmbo_k",
    "vmbo_k/vmbo_gt",
    "vmbo_gt",
    "vmbo_gt/havo",
    "havo",
    "havo/vwo",
    "vwo",
)
ASSESSMENTS = (
    ("goes_well", N_("Goes well")),
    ("needs_attention", N_("Needs attention")),
    ("needs_support", N_("Needs support")),
)
ROWS: dict[str, tuple[str, ...]] = {
    "school_career": ("school_year", "school", "year_level", "note"),
    "test_results": ("school_year", "subject", "test", "score", "level"),
    "support.didactic": ("item", "assessment", "explanation"),
    "support.behaviour": ("item", "assessment", "explanation"),
}
FIELDS: dict[str, tuple[str, ...]] = {
    "advice": (
        "provisional_7.level",
        "provisional_7.motivation",
        "provisional_8.level",
        "provisional_8.motivation",
        "support_advice",
        "support_needed",
        "contact_person.name",
        "contact_person.email",
        "contact_person.phone",
        "tafelmiddag",
    ),
    "support": ("absence.authorised_days", "absence.unauthorised_days", "absence.note"),
    "overview": ("parents_inspected_on", "parents_agreed", "parents_view"),
}
YES_NO = frozenset({"advice.support_needed", "advice.tafelmiddag", "overview.parents_agreed"})


def parts_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The tabs' parts of dossier's OKI-doc (the school career is kept with the pupil there)."""
    return {
        "school_career": (document.get("pupil") or {}).get("school_career") or [],
        "advice": document.get("advice") or {},
        "test_results": document.get("test_results") or [],
        "support": document.get("support") or {},
        "overview": document.get("overview") or {},
    }


def values_of(document: Mapping[str, Any]) -> dict[str, str]:
    """Every field of the form by its flat name, as the form shows it (yes/no for a choice, '' for none)."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        elif isinstance(value, bool):
            flat[prefix] = "yes" if value else "no"
        else:
            flat[prefix] = "" if value is None else str(value)

    for key, part in parts_of(document).items():
        walk(key, part)
    return flat


def rows_in(values: Mapping[str, Any], list_name: str) -> int:
    """How many rows of a list the values hold (the highest row number plus one)."""
    prefix = f"{list_name}."
    numbers = [
        int(name[len(prefix) :].split(".", 1)[0])
        for name in values
        if name.startswith(prefix) and name[len(prefix) :].split(".", 1)[0].isdigit()
    ]
    return max(numbers, default=-1) + 1


def rows_shown(values: Mapping[str, Any], list_name: str, extra: int = EMPTY_ROWS) -> int:
    return rows_in(values, list_name) + extra


def _text(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    value = (value or "").strip()
    return value or None


def _choice(form: Mapping[str, Any], name: str) -> bool | None:
    return {"yes": True, "no": False}.get(_text(form, name) or "")


def _nested(form: Mapping[str, Any], prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in names:
        full = f"{prefix}.{name}"
        value: Any = _choice(form, full) if full in YES_NO else _text(form, full)
        target = body
        *path, last = name.split(".")
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    return body


def _rows(form: Mapping[str, Any], list_name: str) -> list[dict[str, Any]]:
    """The list's rows in order; a row with nothing filled in is left out, the rest keep their numbers'
    order (so an error in row 2 is still in row 2 when the empty row 1 goes: the row is renumbered in
    `row_numbers`)."""
    rows = []
    for index in range(rows_in(form, list_name)):
        row = {name: _text(form, f"{list_name}.{index}.{name}") for name in ROWS[list_name]}
        if any(value is not None for value in row.values()):
            rows.append(row)
    return rows


def row_numbers(form: Mapping[str, Any], list_name: str) -> list[int]:
    """The form's row number of each row sent (empty rows left out): dossier's row 0 is the form's row n."""
    return [
        index
        for index in range(rows_in(form, list_name))
        if any(_text(form, f"{list_name}.{index}.{name}") is not None for name in ROWS[list_name])
    ]


def part_from(tab: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The body of PATCH …/oki-doc for one tab, from its posted form: texts trimmed, empty is none, numbers
    as typed (dossier says when one is no number)."""
    if tab in ("school_career", "test_results"):
        return {tab: _rows(form, tab)}
    if tab == "advice":
        return {"advice": _nested(form, "advice", FIELDS["advice"])}
    if tab == "support":
        support = _nested(form, "support", FIELDS["support"])
        support["didactic"] = _rows(form, "support.didactic")
        support["behaviour"] = _rows(form, "support.behaviour")
        return {"support": support}
    if tab == "overview":
        return {"overview": _nested(form, "overview", FIELDS["overview"])}
    raise KeyError(tab)


def form_field(tab: str, form: Mapping[str, Any], field: str | None) -> str | None:
    """dossier's name of a field with a problem, as the form names it: row numbers back to the form's."""
    if field is None:
        return None
    for list_name in ROWS:
        prefix = f"{list_name}."
        if field.startswith(prefix):
            number, _, rest = field[len(prefix) :].partition(".")
            if number.isdigit():
                sent = row_numbers(form, list_name)
                if int(number) < len(sent):
                    return f"{list_name}.{sent[int(number)]}" + (f".{rest}" if rest else "")
    return field


@dataclass(frozen=True)
class Place:
    """Where a missing field is filled in: a tab of the OKI-doc, or the pupil's page; the anchor is the
    field's id there."""

    tab: str | None
    anchor: str


PUPIL_PAGE_FIELDS = ("pupil.given_name", "pupil.family_name", "pupil.birth_date", "pupil.address", "pupil.parents")


def place_of(path: str) -> Place:
    """Where dossier's missing field (`advice.provisional_8.motivation`, `pupil.school_career`,
    `support.didactic.0.explanation`) is filled in."""
    if path.startswith("pupil.school_career"):
        path = path.removeprefix("pupil.")
    first = path.split(".", 1)[0]
    if first == "pupil" or path.startswith(("advice.doorstroomtoets", "advice.final")):
        return Place(None, path.replace(".", "-"))
    if path in ("support.absence",):
        return Place("support", "support-absence")
    return Place(first if first in TAB_KEYS else None, path.replace(".", "-"))
