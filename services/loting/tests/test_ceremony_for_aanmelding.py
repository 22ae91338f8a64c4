"""A lottery aanmelding took, held at loting without a file in anybody's hands: aanmelding asks for the
ceremony over the bus, loting opens a run with the lottery's id, the notary enters the seed as for any
run, and the completed run's files go back to aanmelding in `result_issued`."""

import hashlib
from uuid import uuid4

from loting_support import COMMITTED, COMPLETED, REQUESTED, SEEDED, canonical, unseeded

from loket.contracts.envelope import new_envelope
from loket.contracts.events import LotteryCeremonyRequested
from loket.contracts.events.loting import SeedSource
from loket.loting.persistence.models import Run

SERVICE = "loting"
RESULT_ISSUED = "loting.run.result_issued.v1"


def ceremony_requested(lottery_id=None, market=None, market_sha256=None) -> LotteryCeremonyRequested:  # type: ignore[no-untyped-def]
    market = unseeded() if market is None else market
    return LotteryCeremonyRequested(
        lottery_id=lottery_id or uuid4(),
        round="ronde-1",
        label="amstelland: 1e ronde",
        market=market,
        market_sha256=market_sha256 or hashlib.sha256(canonical(market)).hexdigest(),
        seed_sources=(SeedSource(kind="notary"),),
    )


async def test_a_lottery_aanmelding_took_runs_under_its_own_id_and_its_files_go_back(loting):
    requested = ceremony_requested()
    for _ in range(2):  # asked twice (a redelivery with a new id, a double click): one run
        await loting.deliver(new_envelope(requested, region="demo").model_dump(mode="json"))

    assert await loting.count(Run) == 1
    assert await loting.bus() == [REQUESTED, COMMITTED]
    run_id = str(requested.lottery_id)
    run = await loting.run(run_id)
    assert (run["state"], run["label"], run["commitment_sha256"]) == (
        "committed",
        "amstelland: 1e ronde",
        requested.market_sha256,
    )

    seeded = await loting.seed(run_id, values={"notary": "4 8 15 16 23 42"})
    assert seeded.status_code == 200, seeded.text
    assert await loting.bus() == [SEEDED, COMPLETED]

    [issued] = [payload for key, payload in await loting.outbox() if key == RESULT_ISSUED]
    market = (await loting.client.get(f"/runs/{run_id}/market")).text
    result = (await loting.client.get(f"/runs/{run_id}/result")).text
    assert (issued["run_id"], issued["commitment_sha256"]) == (run_id, requested.market_sha256)
    assert (issued["market"], issued["result"]) == (market, result)
    assert issued["result_sha256"] == hashlib.sha256(result.encode()).hexdigest()


async def test_a_request_loting_cannot_take_opens_no_run_and_says_why(loting):
    wrong = ceremony_requested(market_sha256="0" * 64)
    unreadable = ceremony_requested(market={**unseeded(), "programs": []})

    for requested in (wrong, unreadable):
        assert await loting.deliver(new_envelope(requested, region="demo").model_dump(mode="json"))

    assert await loting.count(Run) == 0
    refusals = [(key, payload["run_id"], payload["reason"]) for key, payload in await loting.outbox()]
    assert [(key, run_id) for key, run_id, _ in refusals] == [
        ("loting.run.refused.v1", str(wrong.lottery_id)),
        ("loting.run.refused.v1", str(unreadable.lottery_id)),
    ]
    assert "does not hash to the commitment" in refusals[0][2] and "invalid market" in refusals[1][2]
