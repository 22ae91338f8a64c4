"""From final advice to published placement, per region, over the real broker and databases, with every
service a process of its own. Forty synthetic pupils at one primary school: the school gives the final
advice and sends each parent login; the parents activate their accounts and register through aanmelding's
API with the invulhulp's programs (some stop and resume, one withdraws and registers again, one claims a
priority the school rejects and one a priority the school grants, a pair of twins registers together);
in Zaanstad the primary school forwards each list. The secondary schools decide; the region takes the
market and asks loting for the ceremony, which solves it with the notary's seed; the result comes back
over the bus and is applied; parents see it from the publication moment on, not a second earlier; and
the mails arrive.

The region's own procedure file is used, with two changes for a test that must end in minutes: one
round whose registration closes WINDOW after the file is written and whose result is published shortly
after, and three seats per program, so that the first choices are over-subscribed and the lottery bites."""

import asyncio
import json
import os
import random
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from loket_test_support import (
    IDLE_CLOSED_FIRST,
    RoundTimes,
    activation_link,
    eventually,
    procedure_with_rounds,
    staff_token,
    text_of,
)

ROOT = Path(__file__).resolve().parents[2]
SCHOOL = "12AB01"
PASSWORD = "correct horse battery"
PUPILS = 40
SEATS = 3
ADVICES = ["havo", "vwo", "havo/vwo", "vmbo_gt", "vmbo_gt/havo", "vmbo_k", "vmbo_k/vmbo_gt", "vmbo_b"]
WINDOW = timedelta(seconds=75)  # 40 registrations fit in it on a slow machine; the test waits it out
# the ceremony, the schools' placements and the parents' "not yet" fit in it on a loaded machine
PUBLISHED_AFTER = timedelta(seconds=40)
REJECTED, GRANTED, TWIN_A, TWIN_B, AGAIN = 0, 1, 2, 3, 4
RESUMING = (5, 6, 7, 8)


def procedure_around(region: str, now: datetime) -> str:
    """The region's procedure file with one round around `now` and SEATS seats per program."""
    return procedure_with_rounds(region, now, [RoundTimes(WINDOW, WINDOW + PUBLISHED_AFTER)], SEATS)


@dataclass
class Pupil:
    n: int
    id: str
    elk_number: str
    advice: str
    parent: dict[str, str]
    address: str
    programs: list[str]
    claims: dict[str, Any]
    registration: str | None = None


class Region:
    """The region's services and the people who use them."""

    def __init__(self, name: str, services: dict[str, Any], client: httpx.AsyncClient, var: Path, smtp: Any) -> None:
        self.name, self.client, self.var, self.smtp = name, client, var, smtp
        self.url = {service: running.url for service, running in services.items()}
        self.teacher = self.staff(school=SCHOOL)
        self.region = self.staff(role="region_admin")
        self.busy = asyncio.Semaphore(6)  # parents at their screens at the same time

    def staff(self, **who: str) -> dict[str, str]:
        token = staff_token(self.var, self.url["identity"], region=self.name, **who)
        return {"Authorization": f"Bearer {token}"}

    async def call(self, service: str, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = await self.client.request(method, self.url[service] + path, headers=headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def pupil_with_a_parent(self, n: int, birth_date: str, address: str, mails_before: int = 0) -> Pupil:
        """The school registers the pupil and sends the parent login; the parent activates it."""
        body = {
            "given_name": f"Kind{n}",
            "family_name": "Test",
            "birth_date": birth_date,
            "school_brin": SCHOOL,
            "parent_email": address,
        }
        async with self.busy:
            pupil = await self.call("dossier", "POST", "/pupils", self.teacher, json=body)

            async def white() -> bool:
                found = await self.call("dossier", "GET", f"/pupils/{pupil['id']}", self.teacher)
                return found["parent_logins"][0]["changed_at"] is not None

            await eventually(white, within=60, what=f"identity to know pupil {n}")
            await self.call("dossier", "POST", f"/pupils/{pupil['id']}/parent-login", self.teacher, json={"parent": 1})

            async def mail() -> Any:
                found = self.smtp.inbox.to(address)
                return found if len(found) > mails_before else None

            message = (await eventually(mail, within=60, what=f"the activation mail of pupil {n}"))[-1]
            answers = {"school": SCHOOL, "birth_date": birth_date, "password": PASSWORD, "password_repeat": PASSWORD}
            done = await self.client.post(
                activation_link(message), data=answers, headers={"Accept": "application/json"}
            )
            assert done.status_code == 200, done.text
            parent = {"Authorization": f"Bearer {done.json()['access_token']}"}
        return Pupil(n, pupil["id"], pupil["elk_number"], ADVICES[n % len(ADVICES)], parent, address, [], {})

    async def final_advice(self, pupil: Pupil) -> None:
        advice = {"level": pupil.advice, "motivation": "Werkt zelfstandig."}
        async with self.busy:
            await self.call("dossier", "PUT", f"/pupils/{pupil.id}/final-advice", self.teacher, json=advice)

    async def start(self, pupil: Pupil) -> None:
        """The first steps: open the form, check the pupil's data, rank the programs."""
        base = f"/pupils/{pupil.id}/registration"
        async with self.busy:
            await self.call("aanmelding", "POST", base, pupil.parent)
            await self.call("aanmelding", "PUT", f"{base}/pupil-check", pupil.parent, json={"correct": True})
            body = {"programs": pupil.programs, **pupil.claims}
            await self.call("aanmelding", "PUT", f"{base}/preferences", pupil.parent, json=body)

    async def finish(self, pupil: Pupil) -> None:
        """The remaining steps, then submit (again, where the parent already did: each step may be redone)."""
        base = f"/pupils/{pupil.id}/registration"
        async with self.busy:
            current = (await self.call("aanmelding", "GET", base, pupil.parent))["current"]
            if current is None or current["state"] == "withdrawn":
                await self.call("aanmelding", "POST", base, pupil.parent)
                await self.call("aanmelding", "PUT", f"{base}/pupil-check", pupil.parent, json={"correct": True})
            await self.call("aanmelding", "PUT", f"{base}/contact-check", pupil.parent, json={"correct": True})
            body = {"programs": pupil.programs, **pupil.claims}
            await self.call("aanmelding", "PUT", f"{base}/preferences", pupil.parent, json=body)
            await self.call("aanmelding", "PUT", f"{base}/signature", pupil.parent, json={"signed_by": "Ouder"})
            pupil.registration = (await self.call("aanmelding", "POST", f"{base}/submission", pupil.parent))["id"]

    def subjects(self, address: str) -> list[str]:
        return [message["Subject"] for message in self.smtp.inbox.to(address)]


def choose(helper: dict[str, Any], rng: random.Random, popular: bool) -> list[str]:
    """A parent's list from the invulhulp: as many as the rule asks, one per school where every school is
    ranked; half the parents put the most popular program first."""
    regular = [program for program in helper["programs"] if program["kind"] == "regular"]
    if helper["length"]["ranks"] == "schools":
        regular = list({program["school_brin"]: program for program in reversed(regular)}.values())[::-1]
    first, rest = regular[0], regular[1:]
    rng.shuffle(rest)
    ordered = [first, *rest] if popular else [*rest, first]
    length = len(ordered) if helper["length"]["ranks"] == "schools" else helper["length"]["min"]
    assert len(ordered) >= length, f"{helper['advice']}: {len(ordered)} programs fit, the rule asks {length}"
    return [program["code"] for program in ordered[:length]]


def with_sibling_first(helper: dict[str, Any], programs: list[str]) -> list[str]:
    """The list reordered so that its first choice offers the sibling priority."""
    school = {program["code"]: program["school_brin"] for program in helper["programs"]}
    offering = [code for code in programs if "sibling" in helper["priority_kinds"].get(school[code], [])]
    assert offering, "no school on the list offers the sibling priority"
    return [offering[0], *[code for code in programs if code != offering[0]]]


@pytest.mark.timeout(420)  # it waits for the publication moment, WINDOW after the procedure is written
@pytest.mark.parametrize("region", ["amstelland", "amsterdam", "zaanstad"])
async def test_from_final_advice_to_the_published_placement(region, start_services, smtp, tmp_path):
    services = await start_services("identity", "dossier", "notificatie", "loting", LOKET_REGION=region)
    async with httpx.AsyncClient(timeout=30, limits=IDLE_CLOSED_FIRST) as client:
        r = Region(region, services, client, tmp_path / "var", smtp)
        twins_address = "ouders.tweeling@example.org"
        pupils = list(
            await asyncio.gather(
                *(
                    r.pupil_with_a_parent(n, f"2014-{1 + n % 12:02d}-{1 + n % 28:02d}", f"ouder.{n}@example.org")
                    for n in range(PUPILS)
                    if n not in (TWIN_A, TWIN_B)
                )
            )
        )
        twin_a = await r.pupil_with_a_parent(TWIN_A, "2014-06-06", twins_address)
        twin_b = await r.pupil_with_a_parent(TWIN_B, "2014-06-06", twins_address, mails_before=1)
        pupils = sorted([*pupils, twin_a, twin_b], key=lambda pupil: pupil.n)
        twin_b.advice = twin_a.advice
        await asyncio.gather(*(r.final_advice(pupil) for pupil in pupils))

        # the region opens the round: aanmelding starts with its procedure, and hears every final advice
        now = datetime.now(UTC)
        (tmp_path / "procedure.toml").write_text(procedure_around(region, now))
        aanmelding = await start_services(
            "aanmelding", LOKET_REGION=region, LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml")
        )
        r.url["aanmelding"] = aanmelding["aanmelding"].url

        async def all_open() -> bool:
            seen = await r.call("aanmelding", "GET", f"/schools/{SCHOOL}/pupils", r.teacher)
            return len(seen) == PUPILS and all(row["readiness"] == "open" for row in seen)

        await eventually(all_open, within=60, what="aanmelding to hear every final advice")

        # the parents fill in their lists with the invulhulp
        helpers = {
            advice: await r.call(
                "aanmelding", "GET", "/procedure/programs", pupils[0].parent, params={"advice": advice}
            )
            for advice in {pupil.advice for pupil in pupils}
        }
        rng = random.Random(f"{region}-lists")
        for pupil in pupils:
            pupil.programs = choose(helpers[pupil.advice], rng, popular=pupil.n % 2 == 0)
        for pupil in (pupils[REJECTED], pupils[GRANTED]):
            pupil.programs = with_sibling_first(helpers[pupil.advice], pupil.programs)
            pupil.claims = {"priority": {"kind": "sibling", "sibling_name": "Ali", "sibling_class": "2b"}}
        twin_b.programs = list(twin_a.programs)
        twin_a.claims = {
            "multiple_birth": {
                "is_multiple": True,
                "sibling_elk_number": twin_b.elk_number,
                "registering_together": True,
            }
        }
        twin_b.claims = {
            "multiple_birth": {
                "is_multiple": True,
                "sibling_elk_number": twin_a.elk_number,
                "registering_together": True,
            }
        }

        resuming = [pupils[n] for n in RESUMING]
        await asyncio.gather(*(r.start(pupil) for pupil in resuming))  # they stop after ranking (AG)
        dots = {
            row["pupil_id"]: row["rounds"]
            for row in await r.call("aanmelding", "GET", f"/schools/{SCHOOL}/pupils", r.teacher)
        }
        assert all(dots[pupil.id]["ronde-1"]["dot"] == "AG" for pupil in resuming)
        await asyncio.gather(*(r.finish(pupil) for pupil in pupils if pupil not in resuming))
        again = pupils[AGAIN]  # withdraws and registers again with the list turned around
        await r.call("aanmelding", "POST", f"/pupils/{again.id}/registration/withdrawal", again.parent)
        again.programs = again.programs[::-1]
        await r.finish(again)
        await asyncio.gather(*(r.finish(pupil) for pupil in resuming))  # and come back later
        if region == "zaanstad":  # the parents submitted to the primary school, which makes them final
            for pupil in pupils:
                await r.call("aanmelding", "POST", f"/pupils/{pupil.id}/registration/forwarding", r.teacher)
        dots = {
            row["pupil_id"]: row["rounds"]
            for row in await r.call("aanmelding", "GET", f"/schools/{SCHOOL}/pupils", r.teacher)
        }
        assert Counter(dots[pupil.id]["ronde-1"]["dot"] for pupil in pupils) == {"AV": PUPILS}
        history = await r.call("aanmelding", "GET", f"/pupils/{again.id}/registration", again.parent)
        assert [row["state"] for row in history["history"]] == ["withdrawn"], history

        # the secondary schools see what was made with them, and decide on the priority claims
        school_of = {
            program["code"]: program["school_brin"] for helper in helpers.values() for program in helper["programs"]
        }
        first_school = {pupil.registration: school_of[pupil.programs[0]] for pupil in pupils}
        for brin in set(first_school.values()):
            seen = await r.call("aanmelding", "GET", f"/schools/{brin}/registrations", r.staff(school=brin))
            assert sorted(row["id"] for row in seen) == sorted(reg for reg, at in first_school.items() if at == brin)
        for pupil, granted in ((pupils[REJECTED], False), (pupils[GRANTED], True)):
            decider = r.staff(school=first_school[pupil.registration])
            path = f"/registrations/{pupil.registration}/priority-decision"
            await r.call("aanmelding", "POST", path, decider, json={"granted": granted})

        # the window closes; the region takes the market; loting's ceremony commits, seeds and solves it
        await asyncio.sleep(max(0.0, (now + WINDOW - datetime.now(UTC)).total_seconds()) + 1)
        late = await client.post(
            f"{r.url['aanmelding']}/pupils/{again.id}/registration/withdrawal", headers=again.parent
        )
        assert late.status_code == 409, late.text
        lottery = await r.call("aanmelding", "POST", "/rounds/ronde-1/lotteries", r.region)
        market = json.loads((await client.get(r.url["aanmelding"] + lottery["market_path"], headers=r.region)).content)
        assert len(market["students"]) == PUPILS
        groups = {student["id"]: student.get("group") for student in market["students"]}
        twins = [groups[student_of(pupil.registration)] for pupil in (twin_a, twin_b)]
        assert twins[0] is not None and twins[0] == twins[1], "the twins share one lot"
        label = {"label": f"{region} 1e ronde"}
        await r.call("aanmelding", "POST", f"/lotteries/{lottery['id']}/ceremony", r.region, json=label)
        run = f"{r.url['loting']}/runs/{lottery['id']}"  # loting's run has the lottery's id

        async def state(wanted: str) -> bool:
            found = await client.get(run, headers=r.region)
            return found.status_code == 200 and found.json()["state"] == wanted

        await eventually(lambda: state("committed"), within=30, what="loting to open the run and publish it")
        committed = (await client.get(run, headers=r.region)).json()
        assert committed["commitment_sha256"] == lottery["commitment_sha256"]
        seed = {"entered_by": "notaris", "values": {"notary": "4 8 15 16 23 42"}}
        seeded = await client.post(f"{run}/seed", headers=r.region, json=seed)
        assert seeded.status_code == 200, seeded.text

        async def applied_in_aanmelding() -> dict[str, Any] | None:
            shown = await r.call("aanmelding", "GET", f"/lotteries/{lottery['id']}", r.region)
            return shown if shown["applied_at"] else None

        # no file passes through anybody's hands: the result comes back over the bus and applies itself
        applied = await eventually(applied_in_aanmelding, within=60, what="the ceremony's result in aanmelding")
        assert applied["applied_by"] == "loting" and applied["ceremony_refusal"] is None
        assert applied["placed"] + applied["unplaced"] == PUPILS
        assert applied["placed"] > 0
        unplaced = await r.call("aanmelding", "GET", f"/lotteries/{lottery['id']}/unplaced", r.region)
        assert len(unplaced) == applied["unplaced"]

        # the schools see the placements at once and place their pupils; the parents see nothing yet
        placed_by_school = {}
        for brin in {school for school in school_of.values()}:
            seen = await r.call("aanmelding", "GET", f"/schools/{brin}/registrations", r.staff(school=brin))
            placed_by_school[brin] = {
                row["id"]: row["placement"]["program"]
                for row in seen
                if row["placement"] and row["placement"]["school_brin"] == brin
            }
        placements = {reg: program for placed in placed_by_school.values() for reg, program in placed.items()}
        assert len(placements) == applied["placed"]
        assert max(Counter(placements.values()).values()) <= SEATS
        brin, placed_here = max(placed_by_school.items(), key=lambda item: len(item[1]))
        for registration in placed_here:
            await r.call(
                "aanmelding",
                "POST",
                f"/registrations/{registration}/placement",
                r.staff(school=brin),
                json={"stream": "tweetalig"},
            )
        publication = now + WINDOW + PUBLISHED_AFTER
        for pupil in pupils:
            before = await r.call("aanmelding", "GET", f"/pupils/{pupil.id}/registration", pupil.parent)
            assert datetime.now(UTC) < publication, "too slow: the publication moment came before the check ended"
            assert before["current"]["placement"] is None, "not a second before the publication moment"

        # the publication moment comes; the scheduler's run announces it
        await asyncio.sleep(max(0.0, (publication - datetime.now(UTC)).total_seconds()) + 1)
        env = {
            **os.environ,
            "LOKET_AANMELDING_DATABASE_URL": aanmelding["aanmelding"].database_url,
            "LOKET_AANMELDING_PROCEDURE_FILE": str(tmp_path / "procedure.toml"),
            "LOKET_REGION": region,
        }
        command = [sys.executable, "-m", "loket.aanmelding", "announce"]
        announced = await asyncio.to_thread(
            subprocess.run, command, env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert "publication of 1e ronde" in announced.stdout
        for pupil in pupils:
            seen = (await r.call("aanmelding", "GET", f"/pupils/{pupil.id}/registration", pupil.parent))["current"]
            assert seen["placement"] is not None
            assert seen["placement"]["program"] == placements.get(seen["id"])

        addresses = {pupil.address for pupil in pupils}

        async def every_parent_heard() -> bool:  # one outcome mail per pupil: the twins' parents get two
            return sum("uitslag" in message["Subject"] for message in smtp.inbox.messages) == PUPILS

        await eventually(every_parent_heard, within=60, what="the outcome mails")
    assert all(any("Aanmelding ontvangen" in subject for subject in r.subjects(address)) for address in addresses)
    assert any("Voorrang niet gehonoreerd" in subject for subject in r.subjects(pupils[REJECTED].address))
    assert any("Voorrang gehonoreerd" in subject for subject in r.subjects(pupils[GRANTED].address))
    assert all(any("uitslag" in subject for subject in r.subjects(address)) for address in addresses)
    assert sum("uitslag" in subject for subject in r.subjects(twins_address)) == 2
    # registered twice; in Zaanstad only the list the primary school forwarded reached a school
    confirmations = 1 if region == "zaanstad" else 2
    assert sum("Aanmelding ontvangen" in subject for subject in r.subjects(again.address)) == confirmations
    assert not any("Kind" in text_of(message) for message in smtp.inbox.messages if "uitslag" in message["Subject"])


def student_of(registration: str | None) -> str:
    """The registration's pseudonymous student id in the market."""
    assert registration is not None
    return registration.replace("-", "")
