"""A region for the browser tests: its services, a procedure file whose windows lie around now, pupils
registered by their primary school with a parent login sent, and the region's lottery."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from loket_test_support import (
    IDLE_CLOSED_FIRST,
    RoundTimes,
    activation_link,
    eventually,
    procedure_with_rounds,
    staff_token,
)

ROOT = Path(__file__).resolve().parents[2]
SCHOOL = "12AB01"
PASSWORD = "een lang genoeg wachtwoord"


@dataclass
class Pupil:
    id: str
    elk_number: str
    birth_date: str
    address: str
    given_name: str


class Region:
    """The region's services, its staff (tokens signed with identity's own key) and its mail."""

    def __init__(self, name: str, services: dict[str, Any], var: Path, smtp: Any) -> None:
        self.name, self.var, self.smtp = name, var, smtp
        self.url = {service: running.url for service, running in services.items()}
        self.client = httpx.AsyncClient(timeout=30, limits=IDLE_CLOSED_FIRST)
        self.teacher = self.staff(school=SCHOOL)
        self.admin = self.staff(role="region_admin")

    def staff(self, **who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {staff_token(self.var, self.url['identity'], region=self.name, **who)}"}

    async def call(self, service: str, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = await self.client.request(method, self.url[service] + path, headers=headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def pupil(self, n: int, advice: str, *, given_name: str | None = None) -> Pupil:
        """The primary school registers the pupil and gives the final advice."""
        birth_date = f"2014-{1 + n % 12:02d}-{1 + n % 28:02d}"
        address = f"ouder.{n}@example.org"
        body = {
            "given_name": given_name or f"Kind{n}",
            "family_name": "Test",
            "birth_date": birth_date,
            "school_brin": SCHOOL,
            "parent_email": address,
        }
        created = await self.call("dossier", "POST", "/pupils", self.teacher, json=body)
        advice_body = {"level": advice, "motivation": "Werkt zelfstandig."}
        await self.call("dossier", "PUT", f"/pupils/{created['id']}/final-advice", self.teacher, json=advice_body)
        return Pupil(created["id"], created["elk_number"], birth_date, address, body["given_name"])

    async def parent_login(self, pupil: Pupil, language: str = "nl") -> str:
        """The school sends the parent login; the link in the mail."""

        async def known() -> bool:
            found = await self.call("dossier", "GET", f"/pupils/{pupil.id}", self.teacher)
            return found["parent_logins"][0]["changed_at"] is not None

        await eventually(known, within=60, what="identity to know the pupil")
        before = len(self.smtp.inbox.to(pupil.address))
        body = {"parent": 1, "language": language}
        await self.call("dossier", "POST", f"/pupils/{pupil.id}/parent-login", self.teacher, json=body)

        async def mail() -> Any:
            found = self.smtp.inbox.to(pupil.address)
            return found[-1] if len(found) > before else None

        return activation_link(await eventually(mail, within=60, what="the activation mail"))

    async def parent_token(self, pupil: Pupil) -> dict[str, str]:
        """A parent who registers through the API (the others in the lottery)."""
        link = await self.parent_login(pupil)
        answers = {"school": SCHOOL, "birth_date": pupil.birth_date, "password": PASSWORD, "password_repeat": PASSWORD}
        token = urlsplit_token(link)
        done = await self.client.post(
            f"{self.url['identity']}/activate/{token}", data=answers, headers={"Accept": "application/json"}
        )
        assert done.status_code == 200, done.text
        return {"Authorization": f"Bearer {done.json()['access_token']}"}

    async def register(self, pupil: Pupil, parent: dict[str, str], programs: list[str], **claims: Any) -> str:
        base = f"/pupils/{pupil.id}/registration"
        await self.call("aanmelding", "POST", base, parent)
        for check in ("pupil-check", "contact-check"):
            await self.call("aanmelding", "PUT", f"{base}/{check}", parent, json={"correct": True})
        await self.call("aanmelding", "PUT", f"{base}/preferences", parent, json={"programs": programs, **claims})
        await self.call("aanmelding", "PUT", f"{base}/signature", parent, json={"signed_by": "Ouder"})
        return str((await self.call("aanmelding", "POST", f"{base}/submission", parent))["id"])

    async def ready_for(self, pupil: Pupil) -> None:
        async def open_() -> bool:
            seen = await self.call("aanmelding", "GET", f"/schools/{SCHOOL}/pupils", self.teacher)
            return any(row["pupil_id"] == pupil.id and row["readiness"] == "open" for row in seen)

        await eventually(open_, within=60, what="aanmelding to hear the final advice")

    async def lottery(self, round_code: str) -> None:
        """The window has closed: the region takes the market, loting's ceremony seeds and solves it, and
        the result comes back to aanmelding over the bus."""
        lottery = await self.call("aanmelding", "POST", f"/rounds/{round_code}/lotteries", self.admin)
        label = {"label": f"{self.name} {round_code}"}
        await self.call("aanmelding", "POST", f"/lotteries/{lottery['id']}/ceremony", self.admin, json=label)
        run = f"{self.url['loting']}/runs/{lottery['id']}"

        async def committed() -> bool:
            found = await self.client.get(run, headers=self.admin)
            return found.status_code == 200 and found.json()["state"] == "committed"

        await eventually(committed, within=30, what="loting to open the run")
        seed = {"entered_by": "notaris", "values": {"notary": "4 8 15 16 23 42"}}
        seeded = await self.client.post(f"{run}/seed", headers=self.admin, json=seed)
        assert seeded.status_code == 200, seeded.text

        async def applied() -> bool:
            shown = await self.call("aanmelding", "GET", f"/lotteries/{lottery['id']}", self.admin)
            return bool(shown["applied_at"])

        await eventually(applied, within=60, what="the ceremony's result in aanmelding")

    async def helper(self, advice: str) -> dict[str, Any]:
        return dict(await self.call("aanmelding", "GET", "/procedure/programs", {}, params={"advice": advice}))

    async def close(self) -> None:
        await self.client.aclose()


def urlsplit_token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def chosen_list(helper: dict[str, Any]) -> list[str]:
    """As many programs as the list rule asks: one a school where every fitting school is ranked."""
    wanted = helper["length"]["max"] or helper["length"]["min"]
    picked: list[str] = []
    schools: set[str] = set()
    for program in helper["programs"]:
        if helper["length"]["ranks"] == "schools" and program["school_brin"] in schools:
            continue
        picked.append(program["code"])
        schools.add(program["school_brin"])
    return picked[: max(wanted, helper["length"]["min"])] if helper["length"]["ranks"] != "schools" else picked


async def until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 1)


__all__ = ["PASSWORD", "SCHOOL", "Pupil", "Region", "RoundTimes", "chosen_list", "procedure_with_rounds", "until"]
