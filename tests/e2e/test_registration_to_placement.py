"""From final advice to published placement, over the real broker and databases, with every service a
process of its own: the primary school gives the final advice and sends the parent logins; parents
activate their accounts and register through aanmelding's API (one stops and resumes, one withdraws and
registers again, one claims a priority the school rejects); the secondary school decides; the region
takes the market, loting's ceremony solves it with the notary's seed, the region applies the result;
parents see it from the publication moment on, not a second earlier; and the mails arrive.

The region's procedure is written for this test around the present moment: registration closes
WINDOW from now, and the result is published shortly after."""

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from loket_test_support import activation_link, eventually, staff_token, text_of

ROOT = Path(__file__).resolve().parents[2]
SCHOOL = "12AB01"
PASSWORD = "correct horse battery"
LYCEUM, COLLEGE, MAVO = "90AA00-hv", "90AB00-havo", "90AC00-havo"
WINDOW = timedelta(seconds=75)  # every registration step fits in it on a slow machine; the test waits it out


def procedure(now: datetime) -> str:
    def at(delta: timedelta) -> str:
        return (now + delta).astimezone(UTC).isoformat(timespec="seconds")

    closes = WINDOW
    return f"""
region = "demo"
name = "End-to-end"
school_year = "2027-2028"
submission = "parent"
priority_kinds = ["sibling", "staff_child"]
parent_login = {{ opens = {at(-timedelta(days=1))}, closes = {at(closes)} }}

[[list_length]]
advices = ["vmbo_b", "vmbo_b/vmbo_k", "vmbo_k", "vmbo_k/vmbo_gt", "vmbo_gt", "vmbo_gt/havo", "havo", "havo/vwo", "vwo"]
min = 2
max = 2

[[rounds]]
code = "ronde-1"
name = "1e ronde"
registration = {{ opens = {at(-timedelta(days=1))}, closes = {at(closes)} }}
decisions_due = {at(closes)}
lottery_at = {at(closes)}
publication_at = {at(closes + timedelta(seconds=5))}
mechanism = "first-choice-da-stb"

[[schools]]
brin = "90AA00"
name = "Lyceum E2E"
  [[schools.programs]]
  code = "{LYCEUM}"
  name = "havo/vwo"
  levels = ["havo", "vwo"]
  seats = 1

[[schools]]
brin = "90AB00"
name = "College E2E"
  [[schools.programs]]
  code = "{COLLEGE}"
  name = "havo"
  levels = ["havo"]
  seats = 10

[[schools]]
brin = "90AC00"
name = "Mavo E2E"
  [[schools.programs]]
  code = "{MAVO}"
  name = "mavo/havo"
  levels = ["vmbo_gt", "havo"]
  seats = 10
"""


class World:
    def __init__(self, services: dict[str, Any], client: httpx.AsyncClient, var: Path, smtp: Any) -> None:
        self.url = {name: service.url for name, service in services.items()}
        self.client, self.var, self.smtp = client, var, smtp
        identity = self.url["identity"]
        self.teacher = self.bearer(staff_token(var, identity, school=SCHOOL))
        self.lyceum = self.bearer(staff_token(var, identity, school="90AA00"))
        self.region = self.bearer(staff_token(var, identity, role="region_admin"))

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def call(self, service: str, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = await self.client.request(method, self.url[service] + path, headers=headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def pupil_with_a_parent(self, name: str, birth_date: str) -> tuple[str, dict[str, str], str]:
        """The school registers the pupil and sends the parent login; the parent activates it. Returns the
        pupil's id, the parent's bearer header and address."""
        address = f"ouder.{name.lower()}@example.org"
        body = {
            "given_name": name,
            "family_name": "Test",
            "birth_date": birth_date,
            "school_brin": SCHOOL,
            "parent_email": address,
        }
        pupil = (await self.call("dossier", "POST", "/pupils", self.teacher, json=body))["id"]

        async def white() -> bool:
            found = await self.call("dossier", "GET", f"/pupils/{pupil}", self.teacher)
            return found["parent_logins"][0]["changed_at"] is not None

        await eventually(white, within=30, what=f"identity to know {name}")
        await self.call("dossier", "POST", f"/pupils/{pupil}/parent-login", self.teacher, json={"parent": 1})

        async def mail() -> Any:
            return self.smtp.inbox.to(address)

        [message] = await eventually(mail, within=30, what=f"the activation mail of {name}'s parent")
        answers = {"school": SCHOOL, "birth_date": birth_date, "password": PASSWORD, "password_repeat": PASSWORD}
        async with httpx.AsyncClient() as browser:
            done = await browser.post(activation_link(message), data=answers, headers={"Accept": "application/json"})
        assert done.status_code == 200, done.text
        return pupil, self.bearer(done.json()["access_token"]), address

    async def final_advice(self, pupil: str, level: str) -> None:
        advice = {"level": level, "motivation": "Werkt zelfstandig."}
        await self.call("dossier", "PUT", f"/pupils/{pupil}/final-advice", self.teacher, json=advice)

        async def open_() -> bool:  # 404 until aanmelding has heard of the pupil
            url = f"{self.url['aanmelding']}/pupils/{pupil}/registration"
            found = await self.client.get(url, headers=self.teacher)
            return found.status_code == 200 and found.json()["readiness"] == "open"

        await eventually(open_, within=30, what="aanmelding to hear the final advice")

    async def register(self, pupil: str, parent: dict[str, str], programs: list[str], **claims: Any) -> Any:
        base = f"/pupils/{pupil}/registration"
        await self.call("aanmelding", "POST", base, parent)
        await self.call("aanmelding", "PUT", f"{base}/pupil-check", parent, json={"correct": True})
        await self.call("aanmelding", "PUT", f"{base}/contact-check", parent, json={"correct": True})
        await self.call("aanmelding", "PUT", f"{base}/preferences", parent, json={"programs": programs, **claims})
        await self.call("aanmelding", "PUT", f"{base}/signature", parent, json={"signed_by": "Ouder"})
        return await self.call("aanmelding", "POST", f"{base}/submission", parent)

    def subjects(self, address: str) -> list[str]:
        return [message["Subject"] for message in self.smtp.inbox.to(address)]


@pytest.mark.timeout(360)  # it waits for the publication moment, WINDOW after its start
async def test_from_final_advice_to_the_published_placement(start_services, smtp, tmp_path):
    now = datetime.now(UTC)
    (tmp_path / "procedure.toml").write_text(procedure(now))
    services = await start_services(
        "identity",
        "dossier",
        "aanmelding",
        "notificatie",
        "loting",
        LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml"),
    )
    async with httpx.AsyncClient(timeout=30) as client:
        w = World(services, client, tmp_path / "var", smtp)
        noor, noor_parent, noor_mail = await w.pupil_with_a_parent("Noor", "2014-03-09")
        sem, sem_parent, sem_mail = await w.pupil_with_a_parent("Sem", "2014-05-01")
        daan, daan_parent, daan_mail = await w.pupil_with_a_parent("Daan", "2014-07-21")
        for pupil in (noor, sem, daan):
            await w.final_advice(pupil, "havo")

        # Noor claims a sibling priority at the Lyceum, which the Lyceum rejects
        sibling = {"kind": "sibling", "sibling_name": "Ali", "sibling_class": "2b"}
        noor_registration = (await w.register(noor, noor_parent, [LYCEUM, COLLEGE], priority=sibling))["id"]
        await w.call(
            "aanmelding",
            "POST",
            f"/registrations/{noor_registration}/priority-decision",
            w.lyceum,
            json={"granted": False},
        )
        # Sem stops after ranking and resumes later
        await w.call("aanmelding", "POST", f"/pupils/{sem}/registration", sem_parent)
        await w.call(
            "aanmelding",
            "PUT",
            f"/pupils/{sem}/registration/preferences",
            sem_parent,
            json={"programs": [LYCEUM, MAVO]},
        )
        half = await w.call("aanmelding", "GET", f"/pupils/{sem}/registration", w.teacher)
        assert half["current"]["dot"] == "AG"
        await w.register(sem, sem_parent, [LYCEUM, MAVO])
        # Daan registers, withdraws, and registers again with another first choice
        await w.register(daan, daan_parent, [MAVO, COLLEGE])
        await w.call("aanmelding", "POST", f"/pupils/{daan}/registration/withdrawal", daan_parent)
        await w.register(daan, daan_parent, [COLLEGE, MAVO])

        lyceum_sees = await w.call("aanmelding", "GET", "/schools/90AA00/registrations", w.lyceum)
        assert sorted(row["pupil_id"] for row in lyceum_sees) == sorted([noor, sem])

        # the region takes the market; loting's ceremony commits, seeds and solves it
        lottery = await w.call("aanmelding", "POST", "/rounds/ronde-1/lotteries", w.region)
        market = json.loads(
            await (await client.get(w.url["aanmelding"] + lottery["market_path"], headers=w.region)).aread()
        )
        run = await w.call(
            "loting",
            "POST",
            "/runs",
            w.region,
            json={"market": market, "seed_sources": [{"kind": "notary"}], "label": "1e ronde e2e"},
        )

        async def state(wanted: str) -> bool:
            return (await w.call("loting", "GET", f"/runs/{run['id']}", w.region))["state"] == wanted

        await eventually(lambda: state("committed"), within=30, what="the commitment on the bus")
        assert (await w.call("loting", "GET", f"/runs/{run['id']}", w.region))["commitment_sha256"] == lottery[
            "commitment_sha256"
        ]
        await w.call(
            "loting",
            "POST",
            f"/runs/{run['id']}/seed",
            w.region,
            json={"entered_by": "notaris", "values": {"notary": "4 8 15 16 23 42"}},
        )
        await eventually(lambda: state("completed"), within=60, what="the ceremony to complete")
        files = {
            what: (await client.get(f"{w.url['loting']}/runs/{run['id']}/{what}", headers=w.region)).text
            for what in ("market", "result")
        }
        applied = await w.call("aanmelding", "POST", f"/lotteries/{lottery['id']}/result", w.region, json=files)
        assert (applied["placed"], applied["unplaced"]) == (3, 0)

        before = await w.call("aanmelding", "GET", f"/pupils/{noor}/registration", noor_parent)
        assert before["current"]["placement"] is None  # not a second before the publication moment
        placed_at_lyceum = await w.call("aanmelding", "GET", "/schools/90AA00/registrations", w.lyceum)
        assert sum(1 for row in placed_at_lyceum if row["placement"]["program"] == LYCEUM) == 1

        publication = now + WINDOW + timedelta(seconds=5)
        await asyncio.sleep(max(0.0, (publication - datetime.now(UTC)).total_seconds()) + 1)
        env = {
            **os.environ,
            "LOKET_AANMELDING_DATABASE_URL": services["aanmelding"].database_url,
            "LOKET_AANMELDING_PROCEDURE_FILE": str(tmp_path / "procedure.toml"),
            "LOKET_REGION": "demo",
        }
        announced = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "loket.aanmelding", "announce"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "publication of 1e ronde" in announced.stdout

        outcomes = {}
        for pupil, parent in ((noor, noor_parent), (sem, sem_parent), (daan, daan_parent)):
            seen = await w.call("aanmelding", "GET", f"/pupils/{pupil}/registration", parent)
            outcomes[pupil] = seen["current"]["placement"]["program"]
        assert sorted(outcomes[p] for p in (noor, sem)) in ([LYCEUM, MAVO], [COLLEGE, LYCEUM])
        assert outcomes[daan] == COLLEGE

        async def every_parent_heard() -> bool:
            return all(any("uitslag" in s for s in w.subjects(a)) for a in (noor_mail, sem_mail, daan_mail))

        await eventually(every_parent_heard, within=30, what="the outcome mails")
    assert any("Aanmelding ontvangen" in s for s in w.subjects(sem_mail))
    assert any("Voorrang niet gehonoreerd" in s for s in w.subjects(noor_mail))
    assert sum("Aanmelding ontvangen" in s for s in w.subjects(daan_mail)) == 2  # registered twice
    assert "Noor" not in text_of(smtp.inbox.to(noor_mail)[-1])  # mails name no child
