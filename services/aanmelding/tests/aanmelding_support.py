"""What aanmelding's tests share: the service under a clock the test sets, its callers, and dossier's
events that make a pupil known."""

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from loket_test_support import TokenAuthority, deliver

from loket.aanmelding.domain.procedure import TIME_ZONE
from loket.contracts.envelope import new_envelope
from loket.contracts.events import (
    EventPayload,
    FinalAdviceGiven,
    GroupTeachersChanged,
    PupilGroupChanged,
    PupilRegistered,
    RegistrationFormOutdated,
)

PRIMARY_SCHOOL, OTHER_PRIMARY_SCHOOL = "12AB01", "34CD01"
IN_THE_WINDOW = datetime(2027, 3, 1, 10, 0, tzinfo=TIME_ZONE)  # the demo region's registration is open
SEED = "5e" * 32
LOTING = Path(sys.executable).parent / "loting"


class Clock:
    """The service's now, which the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Aanmelding:
    def __init__(self, runtime, app, client: httpx.AsyncClient, authority: TokenAuthority, clock: Clock) -> None:  # type: ignore[no-untyped-def]
        self.runtime, self.app, self.client, self.authority, self.clock = runtime, app, client, authority, clock

    def token(self, role: str, subject: str | None = None, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.authority.mint(role=role, sub=subject or f'{role}-1', scope=scope)}"}

    def parent(self, pupil: UUID) -> dict[str, str]:
        return self.token("parent", f"parent-of-{pupil}", pupil=str(pupil))

    def teacher(self, school: str = PRIMARY_SCHOOL) -> dict[str, str]:
        return self.token("school_user", schools=[school])

    async def event(self, payload: EventPayload, *, after: timedelta = timedelta(0)) -> None:
        """dossier's event, as if it happened `after` the service's now."""
        envelope = new_envelope(payload, region=self.authority.region)
        await deliver(self.runtime, payload, envelope.model_copy(update={"occurred_at": self.clock.now + after}))

    async def pupil_with_advice(
        self, advice: str, school: str = PRIMARY_SCHOOL, elk_number: str | None = None, group: str | None = None
    ) -> UUID:
        pupil = uuid4()
        if group is not None:
            await self.event(
                PupilGroupChanged(pupil_id=pupil, school_brin=school, group=group), after=-timedelta(days=3)
            )
        if elk_number is not None:
            registered = PupilRegistered(
                pupil_id=pupil, elk_number=elk_number, school_brin=school, parent_email="ouder@example.org"
            )
            await self.event(registered, after=-timedelta(days=2))
        await self.event(FinalAdviceGiven(pupil_id=pupil, school_brin=school, advice=advice), after=-timedelta(days=1))
        return pupil

    async def teach(
        self, group: str, *teachers: str, school: str = PRIMARY_SCHOOL, after: timedelta = timedelta(0)
    ) -> None:
        """dossier: the school's administrator set who teaches `group`."""
        await self.event(GroupTeachersChanged(school_brin=school, group=group, teachers=list(teachers)), after=after)

    async def details_changed(self, pupil: UUID, school: str = PRIMARY_SCHOOL) -> None:
        await self.event(RegistrationFormOutdated(pupil_id=pupil, school_brin=school), after=timedelta(minutes=1))

    async def take_lottery(self, round_code: str = "ronde-1") -> httpx.Response:
        """The region takes the round's market once its registration has closed; the clock goes back to
        where the test had it."""
        round_ = self.app.state.procedure.round(round_code)
        now, self.clock.now = self.clock.now, (round_.forwarding or round_.registration).closes
        try:
            return await self.call("POST", f"/rounds/{round_code}/lotteries", self.token("region_admin"))
        finally:
            self.clock.now = now

    async def events(self, routing_key: str) -> list[dict[str, Any]]:
        """The payloads aanmelding put in its outbox under `routing_key`, oldest first."""
        from sqlalchemy import select

        from loket.aanmelding.persistence.models import messaging

        async with self.runtime.database.transaction() as session:
            rows = (await session.execute(select(messaging.outbox).order_by(messaging.outbox.c.seq))).all()
        return [row.body["payload"] for row in rows if row.routing_key == routing_key]

    async def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def register(self, pupil: UUID, programs: list[str], **claims: Any) -> httpx.Response:
        """A parent takes every step and submits; returns the answer to the submission, or to the first
        step that was refused."""
        me, base = self.parent(pupil), f"/pupils/{pupil}/registration"
        steps = [
            ("POST", base, None),
            ("PUT", f"{base}/pupil-check", {"correct": True}),
            ("PUT", f"{base}/contact-check", {"correct": True}),
            ("PUT", f"{base}/preferences", {"programs": programs, **claims}),
            ("PUT", f"{base}/signature", {"signed_by": "J. de Ouder"}),
            ("POST", f"{base}/submission", None),
        ]
        for method, step, body in steps:
            response = await self.call(method, step, me, json=body)
            if response.status_code not in (200, 201):
                break
        return response


def solve(market_text: str, folder: Path) -> str:
    """The ceremony's last step, as anyone can re-run it: `loting solve` on the seeded market."""
    (folder / "market.json").write_text(market_text)
    subprocess.run([LOTING, "solve", folder / "market.json", folder / "result.json"], check=True)
    return (folder / "result.json").read_text()


async def lottery_run(aanmelding: Aanmelding, tmp_path: Path, round_code: str = "ronde-1") -> tuple[str, str, str]:
    """The region takes the round's market and the ceremony solves it with the notary's seed: the lottery's
    id, the seeded market and the result, to apply (`POST /lotteries/{id}/result`)."""
    region = aanmelding.token("region_admin")
    taken = await aanmelding.take_lottery(round_code)
    assert taken.status_code == 201, taken.text
    commitment = (await aanmelding.call("GET", taken.json()["market_path"], region)).text
    market_text = json.dumps({**json.loads(commitment), "seed": SEED})
    return taken.json()["id"], market_text, await asyncio.to_thread(solve, market_text, tmp_path)
