"""What a member of staff can go to from every page: the rooms of their role, as the address says where
they are (`/po/{brin}/…` a primary school, `/vo/{brin}/…` a secondary school, `/region/…` the region).

Links only: each service still decides on every call what this person reaches."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loket.portaal.i18n import N_

SCHOOL_PATH = re.compile(r"^/(po|vo)/([^/]+)")
# where the parent's list goes to the primary school, which forwards it: the region files that say
# `submission = "primary_school"` (a test holds this to aanmelding's region files)
FORWARDING_REGIONS = frozenset({"zaanstad"})
PLACES = {
    "po": [
        ("", N_("Pupils")),
        ("/imports", N_("Imports")),
        ("/questions", N_("Questions")),
    ],
    "vo": [
        ("", N_("Registrations")),
        ("/letters", N_("Results and letters")),
        ("/exports", N_("Exports")),
        ("/questions", N_("Questions")),
    ],
    "region": [
        ("", N_("Procedure")),
        ("/external-pupils", N_("Pupils from outside the region")),
        ("/staff", N_("Staff accounts")),
        ("/audit", N_("Audit log")),
    ],
}


@dataclass(frozen=True)
class Link:
    href: str
    label: str  # a catalog message, translated by the template
    current: bool


def navigation(role: str | None, path: str, region: str | None = None) -> list[Link]:
    """The links of the staff menu on the page at `path`, in `region`."""
    if role in (None, "parent"):
        return []
    found = SCHOOL_PATH.match(path)
    if found:
        base, places = found.group(0), list(PLACES[found.group(1)])
        if found.group(1) == "po" and region in FORWARDING_REGIONS:
            places.insert(1, ("/forwarding", N_("Forwarding")))
    elif path.startswith("/region") and role == "region_admin":
        base, places = "/region", PLACES["region"]
    else:
        base, places = "", []
    links = [Link(base + tail, label, _here(path, base + tail, base)) for tail, label in places]
    links.append(Link("/account/security", N_("My account"), path.startswith("/account")))
    if not (found or path.startswith("/region")) or role in ("region_admin", "board_contact"):
        links.insert(0, Link("/staff", N_("Start"), path == "/staff"))
    return links


def _here(path: str, href: str, base: str) -> bool:
    if href == base:  # the room's first page: itself and what lies under it that no other link claims
        return path == base or all(not path.startswith(base + tail) for tail, _ in _tails(base))
    return path == href or path.startswith(href + "/")


def _tails(base: str) -> list[tuple[str, str]]:
    kind = "region" if base == "/region" else base.split("/")[1]
    return [(tail, label) for tail, label in [*PLACES[kind], ("/forwarding", "")] if tail]
