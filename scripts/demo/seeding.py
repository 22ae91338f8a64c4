"""Filling the demo region through the services' HTTP APIs and the mails in maildev, as the people would."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from dataclasses import asdict
from typing import Any

import httpx

from .region import BOARD, DOMAIN, PASSWORD, PRIMARY, SCHOOL, Child, Staff, children, staff

LINK = re.compile(r"https?://\S+?/(activate|invitation)/([A-Za-z0-9_\-]+)")


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
