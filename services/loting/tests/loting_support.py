"""The ceremony as tests drive it: loting over HTTP (httpx ASGITransport) with a region administrator's
token, and a stand-in for the relay and RabbitMQ that hands loting its own events back."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loket_test_support import TokenAuthority
from sqlalchemy import func, select, update

from loket.contracts.topology import SUBSCRIPTIONS
from loket.loting.persistence.models import messaging

VECTORS = Path(__file__).parent / "vectors"
CONSUMED = {event.routing_key() for event in SUBSCRIPTIONS["loting"]}
SOURCES = [{"kind": "notary"}, {"kind": "beacon", "name": "drand quicknet", "round": 12345}]
VALUES = {"notary": "7 3 1 9 4 4", "beacon:drand quicknet:12345": "ab" * 32}
NOTARY = "mr. A. de Notaris, Den Haag"
REQUESTED, COMMITTED, SEEDED, RETRIED, COMPLETED, FAILED = (
    f"loting.run.{step}.v1" for step in ("requested", "committed", "seeded", "retried", "completed", "failed")
)


def unseeded(vector: str = "01-da-stb-small") -> dict[str, Any]:
    """A spec vector as aanmelding will build it: everything but the seed."""
    market = json.loads((VECTORS / f"{vector}.market.json").read_text())
    del market["seed"]
    return market


def canonical(document: Any) -> bytes:
    return (json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def expected_seed(commitment_sha256: str) -> str:
    """The seed as a third party recomputes it from the proces-verbaal (`domain/ceremony.py`)."""
    sources = [{**source, "value": VALUES[key]} for source, key in zip(SOURCES, VALUES, strict=True)]
    record = {"format": "loting-seed/1", "commitment_sha256": commitment_sha256, "sources": sources}
    return hashlib.sha256(canonical(record)).hexdigest()


class Loting:
    def __init__(self, runtime, client):  # type: ignore[no-untyped-def]
        self.runtime = runtime
        self.client = client
        self.published: list[dict[str, Any]] = []

    async def request(self, market=None, sources=SOURCES, label="Kernprocedure 2027: centrale loting"):  # type: ignore[no-untyped-def]
        body = {"market": unseeded() if market is None else market, "seed_sources": sources, "label": label}
        return await self.client.post("/runs", json=body)

    async def seed(self, run_id, values=VALUES, entered_by=NOTARY):  # type: ignore[no-untyped-def]
        return await self.client.post(f"/runs/{run_id}/seed", json={"entered_by": entered_by, "values": values})

    async def run(self, run_id) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        response = await self.client.get(f"/runs/{run_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def bus(self) -> list[str]:
        """What the relay and RabbitMQ do: publish every event waiting in the outbox and hand loting its
        own back, until handling them writes no more. Returns the routing keys in the order delivered."""
        outbox, delivered = messaging.outbox, []
        while True:
            async with self.runtime.database.transaction() as session:
                query = select(outbox.c.seq, outbox.c.routing_key, outbox.c.body).where(outbox.c.sent_at.is_(None))
                rows = (await session.execute(query.order_by(outbox.c.seq))).all()
                seqs = [row.seq for row in rows]
                await session.execute(update(outbox).where(outbox.c.seq.in_(seqs)).values(sent_at=datetime.now(UTC)))
            if not rows:
                return delivered
            for row in rows:
                self.published.append(row.body)
                if row.routing_key in CONSUMED:  # the rest goes to other services
                    await self.deliver(row.body)
                    delivered.append(row.routing_key)

    async def deliver(self, body: dict[str, Any]) -> bool:
        envelope, handler = self.runtime.consumer.read(json.dumps(body).encode())
        return bool(await self.runtime.consumer.handle(envelope, handler))

    async def committed_run(self) -> str:
        response = await self.request()
        assert response.status_code == 201, response.text
        assert await self.bus() == [REQUESTED, COMMITTED]
        return str(response.json()["id"])

    async def completed_run(self) -> str:
        run_id = await self.committed_run()
        assert (await self.seed(run_id)).status_code == 200
        assert await self.bus() == [SEEDED, COMPLETED]
        return run_id

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        async with self.runtime.database.transaction() as session:
            rows = await session.execute(select(messaging.outbox).order_by(messaging.outbox.c.seq))
            return [(row.routing_key, row.body["payload"]) for row in rows]

    async def count(self, model) -> int:  # type: ignore[no-untyped-def]
        async with self.runtime.database.transaction() as session:
            return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def operator(authority: TokenAuthority) -> dict[str, str]:
    """The region administrator who runs the ceremony with the notary."""
    return {"Authorization": f"Bearer {authority.mint(role='region_admin')}"}
