"""The lottery ceremony as a notary sees it: a run is requested with a market that has no seed yet, its
commitment is published, the seed is entered from the declared sources, and the run completes with a
result that anyone can verify. Every step in the wrong order is refused and changes nothing."""

import asyncio
import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from loket_test_support import eventually
from loting_support import (
    COMMITTED,
    COMPLETED,
    FAILED,
    NOTARY,
    REQUESTED,
    RETRIED,
    SEEDED,
    SOURCES,
    VALUES,
    VECTORS,
    canonical,
    expected_seed,
    operator,
    unseeded,
)
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from loket.contracts.runtime.migrations import upgrade
from loket.loting.app import build
from loket.loting.domain import lottery
from loket.loting.domain.engine import InvalidMarket, load_market, result_bytes, solve
from loket.loting.persistence.models import Artifact, Run, RunSeed
from loket.loting.settings import LotingSettings

SERVICE = "loting"


async def test_a_run_is_committed_then_seeded_then_completed_and_the_record_holds_every_step(loting):
    # 1. The run is requested with a market that has no seed; only its commitment is stored.
    requested = await loting.request()
    assert requested.status_code == 201, requested.text
    run = requested.json()
    run_id, commitment_sha256 = run["id"], run["commitment_sha256"]
    assert run["state"] == "requested" and requested.headers["location"] == f"/runs/{run_id}"
    commitment = (await loting.client.get(f"/runs/{run_id}/commitment")).content
    assert commitment == canonical(unseeded()) and hashlib.sha256(commitment).hexdigest() == commitment_sha256

    # The hash and the declared sources wait in the outbox; no student is named on the bus.
    [(requested_key, _), (committed_key, committed)] = await loting.outbox()
    assert (requested_key, committed_key) == (REQUESTED, COMMITTED)
    assert committed["commitment_sha256"] == commitment_sha256 and committed["seed_sources"][1]["round"] == 12345
    assert (committed["students"], committed["programs"], committed["mechanism"]) == (12, 4, "da-stb")
    assert "E0000" not in json.dumps(await loting.outbox())

    # 2. The commitment comes back from the bus: now it is public, and a seed may be entered.
    assert await loting.bus() == [REQUESTED, COMMITTED]
    assert (await loting.run(run_id))["state"] == "committed"
    seeded = await loting.seed(run_id)
    assert seeded.status_code == 200, seeded.text
    seed = expected_seed(commitment_sha256)
    assert seeded.json()["state"] == "seeded" and seeded.json()["seed"] == seed

    # 3. loting runs the lottery on its own `seeded` event.
    assert await loting.bus() == [SEEDED, COMPLETED]
    run = await loting.run(run_id)
    market = (await loting.client.get(f"/runs/{run_id}/market")).content
    result = await loting.client.get(f"/runs/{run_id}/result")
    assert result.headers["content-type"] == "application/json"
    assert market == canonical({**unseeded(), "seed": seed})  # the commitment with the seed inserted
    assert result.content == result_bytes(solve(load_market(market)))
    assert run["state"] == "completed" and run["attempts"] == 1
    assert run["market_sha256"] == hashlib.sha256(market).hexdigest()
    assert run["result_sha256"] == hashlib.sha256(result.content).hexdigest()

    assignments = json.loads(result.content)["assignments"]
    placed = [a for a in assignments if a["program"] is not None]
    taken = {p["id"]: sum(a["program"] == p["id"] for a in placed) for p in unseeded()["programs"]}
    statistics = {
        "students": 12,
        "placed": len(placed),
        "unplaced": 12 - len(placed),
        "placed_per_rank": {str(r): sum(a["rank"] == r for a in placed) for r in sorted({a["rank"] for a in placed})},
        "programs_full": sum(taken[p["id"]] >= p["capacity"] for p in unseeded()["programs"]),
    }
    assert run["statistics"] == statistics
    [completed] = [payload for key, payload in await loting.outbox() if key == COMPLETED]
    assert completed["result_sha256"] == run["result_sha256"] and completed["result_path"] == f"/runs/{run_id}/result"
    assert completed["statistics"] == statistics

    # The proces-verbaal: the commitment was public before the seed existed, and every step is there.
    report = (await loting.client.get(f"/runs/{run_id}/proces-verbaal")).json()
    assert report["commitment"]["sha256"] == commitment_sha256
    published = datetime.fromisoformat(report["commitment"]["published_at"])
    assert published < datetime.fromisoformat(report["seed"]["entered_at"])
    assert report["seed"]["seed"] == seed and report["seed"]["entered_by"] == NOTARY
    assert [s["value"] for s in report["seed"]["sources"]] == list(VALUES.values())
    assert report["market"]["sha256"] == run["market_sha256"] and report["result"]["sha256"] == run["result_sha256"]
    assert report["statistics"] == statistics
    assert [e["event"] for e in report["events"]] == [REQUESTED, COMMITTED, SEEDED, COMPLETED]
    assert all(e["seen_on_bus_at"] for e in report["events"])
    seed_record = (await loting.client.get(f"/runs/{run_id}/seed-record")).content
    assert hashlib.sha256(seed_record).hexdigest() == seed and json.loads(seed_record) == report["seed"]["record"]


async def test_no_seed_can_be_entered_before_the_commitment_is_seen_published(loting):
    run_id = (await loting.request()).json()["id"]
    refused = await loting.seed(run_id)
    assert refused.status_code == 409
    assert "its commitment has not been seen published on the bus yet" in refused.json()["detail"]
    assert (await loting.run(run_id))["state"] == "requested"
    assert await loting.count(RunSeed) == 0 and [key for key, _ in await loting.outbox()] == [REQUESTED, COMMITTED]


async def test_a_run_takes_its_seed_once(loting):
    run_id = await loting.committed_run()
    seed = (await loting.seed(run_id)).json()["seed"]
    again = await loting.seed(run_id, values={**VALUES, "notary": "1 1 1 1 1 1"})
    assert again.status_code == 409 and "already has its seed" in again.json()["detail"]
    await loting.bus()
    after_completion = await loting.seed(run_id, values={**VALUES, "notary": "2 2 2 2 2 2"})
    assert after_completion.status_code == 409
    assert (await loting.run(run_id))["seed"] == seed and await loting.count(RunSeed) == 1
    assert [key for key, _ in await loting.outbox()].count(SEEDED) == 1


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"notary": "7 3 1 9 4 4"}, "missing beacon:drand quicknet:12345"),
        ({**VALUES, "beacon:nist:1": "cd" * 32}, "not declared beacon:nist:1"),
        ({"notary": "7 3 1 9 4 4", "beacon:drand quicknet:12346": "ab" * 32}, "missing beacon:drand quicknet:12345"),
    ],
)
async def test_seed_values_for_other_sources_than_declared_are_refused(loting, values, problem):
    run_id = await loting.committed_run()
    refused = await loting.seed(run_id, values=values)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "values"]
    assert problem in refused.json()["detail"][0]["msg"]
    assert (await loting.run(run_id))["state"] == "committed" and await loting.count(RunSeed) == 0


@pytest.mark.parametrize(
    "sources",
    [
        [{"kind": "beacon", "name": "drand quicknet", "round": 12345}],  # no notary
        [{"kind": "notary"}, {"kind": "notary"}],
        [{"kind": "notary"}, {"kind": "beacon", "name": "drand quicknet"}],  # which round?
        [{"kind": "notary"}, {"kind": "dice"}],
    ],
)
async def test_seed_sources_that_cannot_make_a_seed_are_refused_and_nothing_is_stored(loting, sources):
    refused = await loting.request(sources=sources)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][:2] == ["body", "seed_sources"]
    assert (await loting.count(Run), await loting.count(Artifact), len(await loting.outbox())) == (0, 0, 0)


async def test_an_invalid_market_is_refused_with_the_engines_message_and_nothing_is_stored(loting):
    vector = VECTORS / "invalid" / "unknown-program.market.json"
    with pytest.raises(InvalidMarket) as engine:
        load_market(vector.read_bytes())
    market = json.loads(vector.read_text())
    del market["seed"]
    refused = await loting.request(market=market)
    assert refused.status_code == 422  # as every 422 says it: FastAPI's list, the field in `loc`
    assert refused.json()["detail"] == [
        {"loc": ["body", "market"], "msg": f"invalid market: {engine.value}", "type": "value_error"}
    ]

    with_seed = await loting.request(market={**unseeded(), "seed": "ab" * 32})
    assert with_seed.status_code == 422 and "a requested market has no seed" in with_seed.json()["detail"][0]["msg"]
    assert (await loting.count(Run), await loting.count(Artifact), len(await loting.outbox())) == (0, 0, 0)


async def test_the_same_market_requested_twice_is_two_runs_with_one_commitment_file(loting):
    first, second = (await loting.request()).json(), (await loting.request()).json()
    assert first["id"] != second["id"] and first["commitment_sha256"] == second["commitment_sha256"]
    assert (await loting.count(Run), await loting.count(Artifact)) == (2, 1)


async def test_a_completed_run_does_not_run_again_when_its_seeded_event_comes_again(loting):
    run_id = await loting.completed_run()
    before, events, files = await loting.run(run_id), await loting.outbox(), await loting.count(Artifact)
    [seeded] = [body for body in loting.published if body["type"] == "loting.run.seeded"]

    assert await loting.deliver(seeded) is False  # redelivered: the inbox has seen it
    assert await loting.deliver({**seeded, "event_id": "6f0a7c1e-3d52-4d7a-9a57-1b2c3d4e5f60"}) is True  # sent anew
    assert await loting.run(run_id) == before and await loting.outbox() == events
    assert await loting.count(Artifact) == files


async def test_a_failed_run_goes_to_failed_and_a_retry_runs_it_again(loting, monkeypatch):
    def engine_breaks(market):  # type: ignore[no-untyped-def]
        raise MemoryError("out of memory while ranking")

    run_id = await loting.committed_run()
    monkeypatch.setattr(lottery, "solve", engine_breaks)
    await loting.seed(run_id)
    assert await loting.bus() == [SEEDED, FAILED]
    failed = await loting.run(run_id)
    assert (failed["state"], failed["failure_reason"], failed["result_sha256"]) == (
        "failed",
        "out of memory while ranking",
        None,
    )
    assert (await loting.outbox())[-1][1]["reason"] == "out of memory while ranking"
    no_result = await loting.client.get(f"/runs/{run_id}/result")
    assert no_result.status_code == 409 and "no result yet" in no_result.json()["detail"]

    monkeypatch.undo()
    retried = await loting.client.post(f"/runs/{run_id}/retry")
    assert retried.status_code == 200 and retried.json()["state"] == "seeded"
    assert await loting.bus() == [RETRIED, COMPLETED]
    run = await loting.run(run_id)
    assert (run["state"], run["attempts"], run["failure_reason"]) == ("completed", 2, None)
    again = await loting.client.post(f"/runs/{run_id}/retry")
    assert again.status_code == 409 and "a completed run is never run again" in again.json()["detail"]


async def test_calls_in_the_wrong_order_are_refused_and_change_nothing(loting):
    run_id = await loting.committed_run()
    events = await loting.outbox()
    retry = await loting.client.post(f"/runs/{run_id}/retry")
    assert retry.status_code == 409
    assert retry.json()["detail"] == (
        f"run {run_id}: cannot retry while the run is committed: only a failed run can be retried"
    )
    assert (await loting.client.get(f"/runs/{run_id}/market")).status_code == 409
    assert (await loting.run(run_id))["state"] == "committed" and await loting.outbox() == events

    unknown = "00000000-0000-4000-8000-000000000000"
    for response in (
        await loting.client.get(f"/runs/{unknown}"),
        await loting.seed(unknown),
        await loting.client.post(f"/runs/{unknown}/retry"),
        await loting.client.get(f"/runs/{unknown}/proces-verbaal"),
    ):
        assert response.status_code == 404 and response.json()["detail"] == f"run {unknown} does not exist"


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE artifact SET kind = 'market'",
        "DELETE FROM artifact",
        "UPDATE run_seed SET entered_by = 'someone else'",
        "DELETE FROM run_seed",
        "UPDATE run_publication SET routing_key = 'x'",
        "DELETE FROM run_publication",
    ],
)
async def test_the_files_the_seed_and_the_publications_of_a_run_cannot_be_changed(loting, change):
    await loting.completed_run()
    with pytest.raises(DBAPIError, match="insert-only"):
        async with loting.runtime.database.transaction() as session:
            await session.execute(text(change))


async def observe(broker_url: str) -> tuple[aio_pika.abc.AbstractConnection, aio_pika.abc.AbstractQueue]:
    """A queue of our own on `loket.events` for every run event, as an auditor's would be."""
    connection = await aio_pika.connect(broker_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange("loket.events", aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="loting.run.#")
    return connection, queue


async def test_over_rabbitmq_and_postgresql_the_published_result_verifies_with_the_loting_command(
    database_url, broker_url, tmp_path, token_authority
):
    await asyncio.to_thread(upgrade, "loket.loting", database_url)
    settings = LotingSettings(
        LOKET_LOTING_DATABASE_URL=database_url,
        broker_url=broker_url,
        relay_poll_interval=0.2,
        identity_url=token_authority.url,
        token_issuer=token_authority.issuer,
    )
    runtime, app = build(settings)
    await runtime.start()
    connection, queue = await observe(broker_url)
    seen: dict[str, dict[str, Any]] = {}

    async def on_the_bus(key: str) -> dict[str, Any] | None:
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            seen[str(message.type)] = json.loads(message.body)["payload"]
        return seen.get(key)

    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://loting", headers=operator(token_authority)
        ) as client:
            requested = await client.post(
                "/runs", json={"market": unseeded("09-da-stb-medium"), "seed_sources": SOURCES, "label": "VOVP mei"}
            )
            assert requested.status_code == 201, requested.text
            run_id, commitment_sha256 = requested.json()["id"], requested.json()["commitment_sha256"]

            committed = await eventually(lambda: on_the_bus(COMMITTED), what="the commitment on the bus")
            assert committed["commitment_sha256"] == commitment_sha256

            async def state_is_committed() -> bool:
                return (await client.get(f"/runs/{run_id}")).json()["state"] == "committed"

            await eventually(state_is_committed, what="loting to see its commitment published")
            seeded = await client.post(f"/runs/{run_id}/seed", json={"entered_by": NOTARY, "values": VALUES})
            assert seeded.status_code == 200, seeded.text

            completed = await eventually(lambda: on_the_bus(COMPLETED), what="the completed run on the bus")
            assert set(seen) - {"loting.run.result_issued.v1"} == {REQUESTED, COMMITTED, SEEDED, COMPLETED}
            market = tmp_path / "market.json"
            result = tmp_path / "result.json"
            market.write_bytes((await client.get(completed["market_path"])).content)
            result.write_bytes((await client.get(completed["result_path"])).content)
            assert hashlib.sha256(result.read_bytes()).hexdigest() == completed["result_sha256"]
    finally:
        await connection.close()
        await runtime.stop()

    loting_command = Path(sys.executable).parent / "loting"
    verified = await asyncio.to_thread(
        subprocess.run, [str(loting_command), "verify", str(market), str(result)], capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK: ")


@pytest.mark.parametrize("role", ["school_admin", "board_contact", "school_user", "parent"])
async def test_only_a_region_administrator_may_take_part_in_the_ceremony(loting, token_authority, role):
    someone = {"Authorization": f"Bearer {token_authority.mint(role=role, scope={'schools': ['12AB01']})}"}

    body = {"market": unseeded(), "seed_sources": SOURCES, "label": "not theirs"}
    refused = await loting.client.post("/runs", json=body, headers=someone)
    anonymous = await loting.client.get("/runs/00000000-0000-0000-0000-000000000000", headers={"Authorization": ""})

    assert refused.status_code == 403 and anonymous.status_code == 401
    async with loting.runtime.database.transaction() as session:
        assert (await session.execute(select(func.count()).select_from(Run))).scalar_one() == 0
