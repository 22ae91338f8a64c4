"""Who is in the demo region: its schools, its staff of every role, and its pupils with their parents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASSWORD = "demo-wachtwoord"  # noqa: S105 - every demo account's; synthetic data only
DOMAIN = "demo.example.org"
BOARD = {"code": "DEMO-PO", "name": "Stichting Demo Primair"}
PRIMARY = {"94PA00": "Basisschool De Regenboog", "94PB00": "Basisschool Het Kompas"}
SCHOOL = "94PA00"  # the primary school whose pupils the demo has


@dataclass
class Staff:
    email: str
    role: str
    who: str
    tries: str
    school: str | None = None
    board: str | None = None
    groups: list[str] = field(default_factory=list)
    id: str = ""
    totp_secret: str | None = None


@dataclass
class Child:
    given_name: str
    family_name: str
    birthday: str  # MM-DD; the year is twelve before the school year starts
    advice: str | None  # None: no final advice yet
    state: str  # new, half_way, submitted, not_activated
    group: str = "8a"
    priority: dict[str, Any] | None = None
    twin: str | None = None  # the other twin's given name; both submit the same list, together
    tries: str = ""
    parent_email: str = ""
    birth_date: str = ""
    id: str = ""
    elk_number: str = ""


def staff() -> list[Staff]:
    return [
        Staff(f"regio@{DOMAIN}", "region_admin", "region administrator", "every school and registration; invite staff"),
        Staff(
            f"bestuur@{DOMAIN}",
            "board_contact",
            f"board contact, {BOARD['name']}",
            "the board's two primary schools; meekijken",
            board=BOARD["code"],
        ),
        Staff(
            f"directie.regenboog@{DOMAIN}",
            "school_admin",
            f"school admin, {PRIMARY[SCHOOL]}",
            "pupils, final advices, parent logins and their dots",
            school=SCHOOL,
        ),
        Staff(
            f"juf.8a@{DOMAIN}",
            "school_user",
            f"teacher of group 8a, {PRIMARY[SCHOOL]}",
            "only the pupils of group 8a",
            school=SCHOOL,
            groups=["8a"],
        ),
        Staff(
            f"college@{DOMAIN}",
            "school_admin",
            "school admin, Demo College (VO)",
            "registrations made there; decide Noah's sibling claim",
            school="94AA00",
        ),
        Staff(
            f"lyceum@{DOMAIN}", "school_user", "staff, Demo Lyceum (VO)", "registrations made there", school="94AB00"
        ),
    ]


def children() -> list[Child]:
    sibling = {"kind": "sibling", "sibling_name": "Eva Visser", "sibling_class": "2b"}
    return [
        Child("Daan", "de Vries", "03-14", "vwo", "new", tries="register from the start and submit"),
        Child("Emma", "Bakker", "07-02", "havo", "half_way", tries="details checked: choose schools, submit"),
        Child("Noah", "Visser", "01-23", "havo/vwo", "submitted", priority=sibling, tries="submitted, sibling claim"),
        Child("Sophie", "Smit", "11-30", "vmbo_gt/havo", "submitted", tries="submitted: change it or withdraw"),
        Child("Lucas", "Meijer", "05-09", "vmbo_gt", "half_way", "8b", tries="details checked: choose schools"),
        Child("Julia", "de Boer", "09-18", "vmbo_k/vmbo_gt", "new", "8b", tries="register from the start"),
        Child("Levi", "Mulder", "02-27", "vmbo_k", "submitted", "8b", tries="submitted"),
        Child("Tess", "de Groot", "06-06", "vmbo_b/vmbo_k", "new", "8b", tries="register from the start"),
        Child("Finn", "Bos", "10-11", "vmbo_b", "half_way", "8b", tries="details checked: choose schools"),
        Child("Mila", "Vos", "04-04", "pro", "new", "8b", tries="praktijkonderwijs: choose one school"),
        Child("Sara", "Peters", "08-15", "vwo", "submitted", twin="Lotte", tries="twin, registered together"),
        Child("Lotte", "Peters", "08-15", "vwo", "submitted", twin="Sara", tries="twin, registered together"),
        Child("Sem", "Jansen", "12-01", None, "new", tries="waiting for the final advice"),
        Child("Zoë", "Hendriks", "03-03", "havo", "not_activated", tries="activate from the mail in maildev"),
    ]
