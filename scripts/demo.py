"""The demo region `make up` fills the first time it runs: schools, pupils, parents and staff, through the
services' own HTTP APIs and the mails they send, as the people themselves would.

- The procedure: `regions/demo.toml` with its dates moved to the day of the first run (`procedure_around`):
  the registration window opened a week before and closes three weeks after; written once to
  `$LOKET_VAR_DIR/demo-procedure.toml`, which aanmelding reads.
- The region: `loket-identity invite-admin` invites the region administrator; every account is activated
  through the link in its mail (read from maildev's JSON API) with the demo password; the administrator
  sets up the board and the schools in dossier and identity and invites the staff; the primary school
  registers its pupils, gives their final advices and sends the parent logins; the parents activate their
  accounts and get as far as their row in the table says.
- Once only: `$LOKET_VAR_DIR/demo/accounts.json` is written when everything is done, and a later run only
  prints the table from it. A run that stopped half-way leaves `demo/started` behind; nothing is added
  then (it would be added twice), and `make up` says to delete var/ to start over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "services" / "aanmelding" / "src" / "loket" / "aanmelding" / "regions" / "demo.toml"
DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
PASSWORD = "demo-wachtwoord"  # noqa: S105 - every demo account's; synthetic data only
DOMAIN = "demo.example.org"
BOARD = {"code": "DEMO-PO", "name": "Stichting Demo Primair"}
PRIMARY = {"94PA00": "Basisschool De Regenboog", "94PB00": "Basisschool Het Kompas"}
SCHOOL = "94PA00"  # the primary school whose pupils the demo has
CLOSES_AFTER = 21  # days: the registration window closes three weeks after the first run
LINK = re.compile(r"https?://\S+?/(activate|invitation)/([A-Za-z0-9_\-]+)")


# The procedure, with its dates moved to the first run.


def procedure_around(day: dt.date) -> str:
    """demo.toml with its one round around `day` (Dutch time): parent logins from two weeks before, the
    registration window from a week before to three weeks after (17:00), a reminder a week before it
    closes, then the schools' decisions, the lottery and the publication two days after it closes."""
    text = TEMPLATE.read_text(encoding="utf-8")
    if text.count("[[rounds]]") != 1:
        raise ValueError(f"{TEMPLATE.name} has more than one round: teach scripts/demo.py their dates")

    def at(days: int, hour: int, minute: int = 0) -> str:
        return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour, minute)).isoformat()

    closes = at(CLOSES_AFTER, 17)
    published = day + dt.timedelta(days=CLOSES_AFTER + 2)
    starts = published.year if published.month < 8 else published.year + 1  # pupils start after the summer
    values = {
        "school_year": f'"{starts}-{starts + 1}"',
        "parent_login": f"{{ opens = {at(-14, 8)}, closes = {closes} }}",
        "registration": f"{{ opens = {at(-7, 8)}, closes = {closes} }}",
        "reminders": f"[{at(CLOSES_AFTER - 7, 10)}]",
        "decisions_due": at(CLOSES_AFTER + 1, 17),
        "lottery_at": at(CLOSES_AFTER + 2, 10),
        "publication_at": at(CLOSES_AFTER + 2, 15, 30),
    }
    for key, value in values.items():
        pattern = rf'^{key} = (\{{[^}}]*\}}|\[[^\]]*\]|"[^"]*"|\S+)'
        text, found = re.subn(pattern, f"{key} = {value}", text, flags=re.MULTILINE)
        if found != 1:
            raise ValueError(f"{TEMPLATE.name}: expected one line `{key} = …`, found {found}")
    head = (
        f"# Written by `make up` on {day.isoformat()} from regions/demo.toml, its dates moved to that day\n"
        "# (scripts/demo.py). Delete var/ to start over with today's dates.\n"
    )
    return head + text


def write_procedure(var_dir: Path, today: dt.date | None = None) -> Path:
    """The demo's procedure file, written on the first run and kept after (its dates stay the first run's)."""
    path = var_dir / "demo-procedure.toml"
    if not path.exists():
        from loket.aanmelding.procedure_file import parse

        text = procedure_around(today or dt.datetime.now(DUTCH_TIME).date())
        parse(text, str(path))  # the same checks as aanmelding's; a bad file must not start the services
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def registration_closes(procedure: Path) -> dt.datetime:
    closes: dt.datetime = tomllib.loads(procedure.read_text(encoding="utf-8"))["rounds"][0]["registration"]["closes"]
    return closes.replace(tzinfo=DUTCH_TIME)


# Who is in the demo region.


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


# Seeding.


class Failed(Exception):
    pass


class Seeder:
    def __init__(self, client: httpx.AsyncClient, urls: dict[str, str], mail_api: str) -> None:
        self.client, self.urls, self.mail_api = client, urls, mail_api
        self.used_mails: set[str] = set()
        self.mail_lock = asyncio.Lock()
        self.mails_fetched: tuple[float, list[dict[str, Any]]] = (float("-inf"), [])

    async def call(self, service: str, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers |= kwargs.pop("headers", {})
        answer = await self.client.request(method, self.urls[service] + path, headers=headers, **kwargs)
        if answer.status_code >= 300:
            raise Failed(f"{method} {service}{path}: {answer.status_code} {answer.text[:500]}")
        if answer.headers.get("content-type", "").startswith("application/json"):
            return answer.json()
        return answer.text

    async def link(self, to: str, kind: str, containing: str = "", within: float = 90) -> str:
        """The token of the newest unused `kind` link (activate, invitation) mailed to `to`."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for mail in reversed(await self.mails()):
                text = str(mail.get("text") or "")
                found = LINK.search(text)
                addresses = [recipient["address"] for recipient in mail.get("to", [])]
                if mail["id"] in self.used_mails or to not in addresses or containing not in text:
                    continue
                if found and found.group(1) == kind:
                    self.used_mails.add(mail["id"])
                    return found.group(2)
            await asyncio.sleep(0.2)
        raise Failed(f"no {kind} mail to {to} in maildev within {within:.0f} s")

    async def mails(self) -> list[dict[str, Any]]:
        """maildev's mails, fetched at most every 0.3 s however many wait for one."""
        async with self.mail_lock:
            if time.monotonic() - self.mails_fetched[0] > 0.3:
                self.mails_fetched = (time.monotonic(), (await self.client.get(self.mail_api)).json())
            return self.mails_fetched[1]

    async def log_in(self, username: str, account: Staff | None = None) -> str:
        """An access token; a staff member who must enrol a second factor enrols it (its secret is shown)."""
        body: dict[str, str] = {"username": username, "password": PASSWORD}
        answer = await self.client.post(f"{self.urls['identity']}/login", json=body)
        secret = answer.json().get("totp_secret") if answer.status_code == 401 else None
        if secret and account is not None:
            import pyotp

            account.totp_secret = secret
            answer = await self.client.post(
                f"{self.urls['identity']}/login", json={**body, "totp_code": pyotp.TOTP(secret).now()}
            )
        if answer.status_code != 200:
            raise Failed(f"login of {username}: {answer.status_code} {answer.text[:300]}")
        return str(answer.json()["access_token"])

    async def accept_invitation(self, account: Staff) -> None:
        token = await self.link(account.email, "invitation")
        form = {"password": PASSWORD, "password_repeat": PASSWORD}
        await self.call("identity", "POST", f"/invitation/{token}", data=form)

    async def region_admin(self, account: Staff, invited: subprocess.Popen[str]) -> str:
        """The administrator `begin` invited accepts the invitation and logs in."""
        output, _ = await asyncio.to_thread(invited.communicate)
        if invited.returncode != 0:
            raise Failed(f"loket-identity invite-admin {account.email}: {output}")
        await self.accept_invitation(account)
        return await self.log_in(account.email, account)

    async def organisation(self, admin: str, accounts: list[Staff]) -> None:
        """The board and the schools in dossier, the board's schools in identity, every other staff member."""
        await self.call("dossier", "POST", "/boards", admin, json=BOARD)
        for brin, name in PRIMARY.items():
            school = {"brin": brin, "name": name, "board": BOARD["code"], "sector": "primary"}
            await self.call("dossier", "POST", "/schools", admin, json={**school, "contact_email": f"{brin}@{DOMAIN}"})
        for school in (await self.call("aanmelding", "GET", "/procedure"))["schools"]:
            brin = school["brin"]
            body = {"brin": brin, "name": school["name"], "sector": "secondary", "contact_email": f"{brin}@{DOMAIN}"}
            await self.call("dossier", "POST", "/schools", admin, json=body)
        await self.call("identity", "PUT", f"/boards/{BOARD['code']}/schools", admin, json={"schools": list(PRIMARY)})
        for account in accounts:
            assignment = {"role": account.role, "board": account.board, "school": account.school}
            body = {"email": account.email, **assignment, "groups": account.groups}
            account.id = (await self.call("identity", "POST", "/staff", admin, json=body))["id"]
        await asyncio.gather(*(self.accept_invitation(account) for account in accounts))

    async def pupil(self, school: str, child: Child) -> None:
        """The school registers the pupil in its group."""
        body = {
            "given_name": child.given_name,
            "family_name": child.family_name,
            "birth_date": child.birth_date,
            "school_brin": SCHOOL,
            "parent_email": child.parent_email,
            "group": child.group,
        }
        created = await self.call("dossier", "POST", "/pupils", school, json=body)
        child.id, child.elk_number = created["id"], created["elk_number"]

    async def parent(self, school: str, child: Child) -> str | None:
        """Once identity knows the pupil, the school sends the parent login; but for the parent who has not
        yet, the parent activates it with the link in the mail: the parent's access token."""
        deadline = time.monotonic() + 60
        while (await self.call("dossier", "GET", f"/pupils/{child.id}", school))["parent_logins"][0][
            "changed_at"
        ] is None:
            if time.monotonic() > deadline:
                raise Failed(f"identity did not hear of pupil {child.elk_number} within 60 s")
            await asyncio.sleep(0.3)
        await self.call("dossier", "POST", f"/pupils/{child.id}/parent-login", school, json={"parent": 1})
        if child.state == "not_activated":
            return None
        token = await self.link(child.parent_email, "activate", containing=child.elk_number)
        answers = {"school": SCHOOL, "birth_date": child.birth_date, "password": PASSWORD, "password_repeat": PASSWORD}
        activated = await self.call(
            "identity", "POST", f"/activate/{token}", data=answers, headers={"Accept": "application/json"}
        )
        return str(activated["access_token"])

    async def registration(self, child: Child, parent: str, by_name: dict[str, Child], n: int) -> None:
        """The parent's steps, as far as the child's state says."""
        base = f"/pupils/{child.id}/registration"
        deadline = time.monotonic() + 60
        while (await self.call("aanmelding", "GET", base, parent))["readiness"] != "open":
            if time.monotonic() > deadline:
                raise Failed(f"aanmelding did not hear the final advice of {child.elk_number} within 60 s")
            await asyncio.sleep(0.3)
        if child.state == "new":
            return
        await self.call("aanmelding", "POST", base, parent)
        await self.call("aanmelding", "PUT", f"{base}/pupil-check", parent, json={"correct": True})
        await self.call("aanmelding", "PUT", f"{base}/contact-check", parent, json={"correct": True})
        if child.state == "half_way":
            return
        helper = await self.call("aanmelding", "GET", "/procedure/programs", parent, params={"advice": child.advice})
        fitting = [program["code"] for program in helper["programs"]]
        if not child.priority and not child.twin:
            fitting = fitting[n % len(fitting) :] + fitting[: n % len(fitting)]  # not every list the same
        preferences: dict[str, Any] = {"programs": fitting[: 1 if helper["choose_one"] else helper["length"]["min"]]}
        if child.priority:
            preferences["priority"] = child.priority
        if child.twin:
            other = by_name[child.twin].elk_number
            preferences["multiple_birth"] = {
                "is_multiple": True,
                "sibling_elk_number": other,
                "registering_together": True,
            }
        await self.call("aanmelding", "PUT", f"{base}/preferences", parent, json=preferences)
        await self.call(
            "aanmelding", "PUT", f"{base}/signature", parent, json={"signed_by": f"Ouder {child.family_name}"}
        )
        await self.call("aanmelding", "POST", f"{base}/submission", parent)


async def seed(urls: dict[str, str], mail_api: str, invited: subprocess.Popen[str], born: int) -> dict[str, Any]:
    """Fill the demo region (pupils born in `born`); return what `accounts.json` keeps (see the module's docstring)."""
    accounts, kids = staff(), children()
    for child in kids:
        child.birth_date = f"{born}-{child.birthday}"
        family = child.family_name.split()[-1].lower()
        child.parent_email = f"ouders.{family}@{DOMAIN}" if child.twin else f"ouder.{child.given_name.lower()}@{DOMAIN}"
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        seeder = Seeder(client, urls, mail_api)
        admin = await seeder.region_admin(accounts[0], invited)
        await seeder.organisation(admin, accounts[1:])
        # every staff member logs in once: each account works, and one that must enrol a second factor has
        tokens = await asyncio.gather(*(seeder.log_in(account.email, account) for account in accounts[1:]))
        school = tokens[1]  # the primary school's administrator
        for group in ("8a", "8b"):
            teachers = [account.id for account in accounts if group in account.groups]
            await seeder.call(
                "dossier",
                "POST",
                f"/schools/{SCHOOL}/groups",
                school,
                json={"name": group, "year_level": 8, "teachers": teachers},
            )
        for child in kids:  # one by one: the ELK numbers come in the table's order
            await seeder.pupil(school, child)
        for child in kids:
            if child.advice:
                advice = {"level": child.advice, "motivation": "Demo: synthetic pupil."}
                await seeder.call("dossier", "PUT", f"/pupils/{child.id}/final-advice", school, json=advice)
        parents = await asyncio.gather(*(seeder.parent(school, child) for child in kids))
        by_name = {child.given_name: child for child in kids}
        await asyncio.gather(
            *(
                seeder.registration(child, parent, by_name, n)
                for n, (child, parent) in enumerate(zip(kids, parents, strict=True))
                if parent and child.advice and not child.twin
            )
        )
        for child, parent in zip(kids, parents, strict=True):  # the twins one after the other
            if parent and child.twin:
                await seeder.registration(child, parent, by_name, 0)
    return {
        "password": PASSWORD,
        "staff": [asdict(account) for account in accounts],
        "parents": [asdict(child) for child in kids],
    }


def table(seeded: dict[str, Any]) -> list[str]:
    """The demo accounts, as `make up` prints them and the README shows them."""
    rows = [("who", "username", "password", "try")]
    for account in seeded["staff"]:
        password = seeded["password"] + (f" + TOTP {account['totp_secret']}" if account.get("totp_secret") else "")
        rows.append((account["who"], account["email"], password, account["tries"]))
    for child in seeded["parents"]:
        who = f"parent of {child['given_name']} {child['family_name']} ({child['advice'] or 'no advice yet'})"
        tries, password = child["tries"], seeded["password"]
        if child["state"] == "not_activated":
            tries, password = f"{tries}: {PRIMARY[SCHOOL]}, born {child['birth_date']}", "(not set)"
        rows.append((who, child["elk_number"], password, tries))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["Demo accounts (synthetic):"]
    for row in rows:
        lines.append(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3]
        )
    return lines


def begin(*, env: dict[str, str], var_dir: Path, bin_dir: Path) -> subprocess.Popen[str] | None:
    """When the region is still to be filled, as soon as identity runs: mark it begun and invite its administrator
    (`loket-identity invite-admin`, the operator's way) while the other services start. None: nothing to fill."""
    folder = var_dir / "demo"
    if (folder / "accounts.json").exists() or (folder / "started").exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "started").write_text(dt.datetime.now(dt.UTC).isoformat())
    command = [str(bin_dir / "loket-identity"), "invite-admin", staff()[0].email]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run(
    urls: dict[str, str],
    mail_api: str,
    invited: subprocess.Popen[str] | None,
    *,
    env: dict[str, str],
    var_dir: Path,
    say: Callable[[str], None],
    **_: object,
) -> list[str]:
    """Fill the region `begin` began (see the module's docstring); the lines to print: the accounts' table, or
    why there is none."""
    procedure = Path(env["LOKET_AANMELDING_PROCEDURE_FILE"])
    done = var_dir / "demo" / "accounts.json"
    if not done.exists():
        if invited is None:
            return [
                f"WARNING: an earlier `make up` stopped while filling the demo region: delete {var_dir} to start over"
            ]
        say("Filling the demo region (the first run only): schools, staff, pupils and parents, through the APIs...")
        began = time.monotonic()
        try:
            school_year = tomllib.loads(procedure.read_text(encoding="utf-8"))["school_year"]
            seeded = asyncio.run(seed(urls, mail_api, invited, born=int(school_year[:4]) - 12))
        except Exception as failed:  # told; the services keep running
            return [f"WARNING: filling the demo region failed: {failed}", f"Delete {var_dir} to try again."]
        done.write_text(json.dumps(seeded, indent=2, ensure_ascii=False), encoding="utf-8")
        (var_dir / "demo" / "started").unlink()
        say(f"The demo region is filled ({time.monotonic() - began:.0f} s) and kept in {var_dir}.")
    lines = table(json.loads(done.read_text(encoding="utf-8")))
    closes = registration_closes(procedure)
    if dt.datetime.now(DUTCH_TIME) >= closes:
        lines.append(
            f"WARNING: the demo's registration closed {closes:%Y-%m-%d %H:%M}; delete {var_dir} for a new demo"
        )
    else:
        lines.append(f"Registration (1e ronde) is open until {closes:%Y-%m-%d %H:%M}.")
    return lines
