"""Parents for the chaos run: pupils of one primary school seeded through dossier's API in bulk, and parents
who register them through aanmelding's API at a steady rate, retrying as a real client would.

Seeding goes the way a primary school works: the pupils imported from a pupil-administration file, a final
advice each, the parent logins sent for the group (identity opens the accounts, notificatie mails the links
and keeps the addresses the confirmations go to). Activating an account costs identity an argon2id hash on
purpose, and is not what the run is about: the parents' access tokens are signed with identity's own key
for the accounts it opened (as the tests' `staff_token` does for staff).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from loket_test_support import SmtpServer, eventually, staff_token

SCHOOL = "12AB01"
ADVICE = "havo"
RETRY_AFTER_CAP = 10.0  # seconds: a client honours Retry-After, but not beyond this
CONNECTION_PAUSE = 1.0  # seconds before trying again when the service could not be reached


@dataclass(frozen=True)
class Seeded:
    pupil_id: str
    address: str
    account_id: str


@dataclass
class Tally:
    """What the parents saw."""

    tried: int = 0
    submitted: set[str] = field(default_factory=set)  # pupils whose submission answered 200
    found_submitted: set[str] = field(default_factory=set)  # the answer was lost; trying again said 409 submitted
    gave_up: list[str] = field(default_factory=list)
    refused_503: int = 0  # answers
    parents_refused: set[str] = field(default_factory=set)
    connections_lost: int = 0
    server_errors: list[str] = field(default_factory=list)  # any 5xx but a 503
    other_refusals: list[str] = field(default_factory=list)  # a 4xx the journey does not expect
    seconds: list[float] = field(default_factory=list)  # each parent's journey, retries included
    ran_out: bool = False  # every seeded parent had begun before the faults were over

    @property
    def believed_submitted(self) -> set[str]:
        return self.submitted | self.found_submitted


async def seed(
    client: httpx.AsyncClient, url: dict[str, str], var: Path, smtp: SmtpServer, count: int, identity_database: str
) -> list[Seeded]:
    """`count` pupils with a final advice, each first parent's login mailed; returned once aanmelding has
    heard every advice."""
    admin = _bearer(staff_token(var, url["identity"], role="region_admin"))
    school = _bearer(staff_token(var, url["identity"], role="school_admin", school=SCHOOL))
    dossier, stamp = url["dossier"], uuid.uuid4().hex[:6]
    group = f"c{stamp}"
    await _call(client, "POST", f"{dossier}/schools", admin, json={"brin": SCHOOL, "name": "De Regenboog"})
    body = {"name": group, "year_level": 8}
    made = await _call(client, "POST", f"{dossier}/schools/{SCHOOL}/groups", admin, json=body)
    rows = ["leerlingnummer;roepnaam;achternaam;geboortedatum;groep;ouder1_email"]
    for i in range(count):
        born = f"{1 + i % 28:02d}-{1 + i // 28 % 12:02d}-2014"
        rows.append(f"{stamp}{i:04d};Kind {i};Chaos;{born};{group};ouder.{stamp}.{i}@example.org")
    csv = ("\n".join(rows) + "\n").encode()
    imported = f"{dossier}/schools/{SCHOOL}/pupil-import"
    report = await _call(client, "POST", imported, school, content=csv, headers={"Content-Type": "text/csv"})
    assert not report["failed"], report["failed"][:3]
    addresses = {
        row["pupil_id"]: f"ouder.{stamp}.{int(row['pupil_number'][len(stamp) :])}@example.org"
        for row in report["created"]
    }
    gate = asyncio.Semaphore(8)

    async def advise(pupil_id: str) -> None:
        async with gate:
            body = {"level": ADVICE, "motivation": "Werkt zelfstandig."}
            await _call(client, "PUT", f"{dossier}/pupils/{pupil_id}/final-advice", school, json=body)

    await asyncio.gather(*(advise(pupil_id) for pupil_id in addresses))

    async def identity_knows_them() -> bool:
        query = {"school": SCHOOL, "group": group, "limit": 500}
        found = await _call(client, "GET", f"{dossier}/pupils", school, params=query)
        return len(found) == count and all(p["parent_logins"] and p["parent_logins"][0]["changed_at"] for p in found)

    await eventually(identity_knows_them, within=120, what="identity to know every pupil")
    await _call(client, "POST", f"{dossier}/groups/{made['id']}/parent-logins", school, json={})

    async def mailed() -> bool:
        return all(smtp.inbox.to(address) for address in addresses.values())

    await eventually(mailed, within=120, what="every activation mail")

    async def open_for_all() -> bool:
        listed = f"{url['aanmelding']}/schools/{SCHOOL}/pupils"
        seen = await _call(client, "GET", listed, school, params={"group": group})
        return sum(row["readiness"] == "open" for row in seen) == count

    await eventually(open_for_all, within=120, what="aanmelding to hear every final advice")
    accounts = await _first_parent_accounts(identity_database)
    return [Seeded(pupil_id, address, accounts[pupil_id]) for pupil_id, address in addresses.items()]


async def _first_parent_accounts(database_url: str) -> dict[str, str]:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        rows = await connection.fetch("SELECT id, pupil_id FROM parent_account WHERE parent = 1")
    finally:
        await connection.close()
    return {str(row["pupil_id"]): str(row["id"]) for row in rows}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _call(client: httpx.AsyncClient, method: str, url: str, auth: dict[str, str], **kwargs: Any) -> Any:
    headers = {**auth, **kwargs.pop("headers", {})}
    answer = await client.request(method, url, headers=headers, **kwargs)
    assert answer.status_code < 300, f"{method} {url}: {answer.status_code} {answer.text[:500]}"
    return answer.json() if answer.content else None


class Rush:
    """Parents arriving at a steady rate, each going through the whole registration; every request that
    meets a 503 waits its Retry-After and tries again, one that cannot reach the service tries again after
    a pause (the service is being restarted), as a parent in the portal would."""

    def __init__(
        self, client: httpx.AsyncClient, url: dict[str, str], var: Path, programs: list[str], *, patience: float
    ) -> None:
        from loket.contracts.tokens import Role, Scope
        from loket.identity.adapters.tokens import SigningKeys, TokenIssuer

        self.client, self.aanmelding, self.programs, self.patience = client, url["aanmelding"], programs, patience
        issuer = TokenIssuer(
            SigningKeys(var / "identity-keys"), issuer=url["identity"], region="demo", lifetime=timedelta(hours=1)
        )
        self.token = lambda seeded: (
            issuer.issue(
                subject=seeded.account_id, role=Role.PARENT, scope=Scope(pupil=uuid.UUID(seeded.pupil_id))
            ).token
        )
        self.tally = Tally()

    async def run(self, pupils: list[Seeded], per_second: float, stop: asyncio.Event) -> None:
        """Start a parent every 1/`per_second` seconds until `stop` is set (or no pupils are left), then wait
        for the parents under way."""
        started = time.monotonic()
        journeys = []
        for n, seeded in enumerate(pupils):
            if stop.is_set():
                break
            journeys.append(asyncio.create_task(self.parent(seeded)))
            next_one = started + (n + 1) / per_second
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, next_one - time.monotonic()))
        self.tally.ran_out = not stop.is_set()
        await asyncio.gather(*journeys)

    async def parent(self, seeded: Seeded) -> None:
        self.tally.tried += 1
        began = time.monotonic()
        headers = _bearer(self.token(seeded))
        base = f"{self.aanmelding}/pupils/{seeded.pupil_id}/registration"
        steps: list[tuple[str, str, Any]] = [
            ("POST", base, None),
            ("PUT", f"{base}/pupil-check", {"correct": True}),
            ("PUT", f"{base}/contact-check", {"correct": True}),
            ("PUT", f"{base}/preferences", {"programs": self.programs}),
            ("PUT", f"{base}/signature", {"signed_by": "Ouder"}),
            ("POST", f"{base}/submission", None),
        ]
        for method, url, body in steps:
            answer = await self.request(seeded, method, url, headers, body, give_up_at=began + self.patience)
            if answer is None:
                self.tally.gave_up.append(seeded.pupil_id)
                return
            last = url.endswith("/submission")
            if last and answer.status_code == 409 and answer.json().get("code") == "already_submitted":
                self.tally.found_submitted.add(seeded.pupil_id)  # the first try went through; its answer was lost
            elif answer.status_code >= 500:
                self.tally.server_errors.append(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
                return
            elif answer.status_code >= 300:
                self.tally.other_refusals.append(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
                return
            elif last:
                self.tally.submitted.add(seeded.pupil_id)
        self.tally.seconds.append(time.monotonic() - began)

    async def request(
        self, seeded: Seeded, method: str, url: str, headers: dict[str, str], body: Any, *, give_up_at: float
    ) -> httpx.Response | None:
        while time.monotonic() < give_up_at:
            try:
                answer = await self.client.request(method, url, headers=headers, json=body)
            except httpx.TransportError:
                self.tally.connections_lost += 1
                await asyncio.sleep(CONNECTION_PAUSE)
                continue
            if answer.status_code != 503:
                return answer
            self.tally.refused_503 += 1
            self.tally.parents_refused.add(seeded.pupil_id)
            retry_after = answer.headers.get("Retry-After", "")
            if not retry_after.isdigit():
                return answer  # a 503 that does not say when to come back: counted as a server error
            await asyncio.sleep(min(float(retry_after), RETRY_AFTER_CAP))
        return None
