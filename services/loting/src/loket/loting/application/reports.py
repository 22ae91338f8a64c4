"""What loting says about a run: a summary (`show`), the proces-verbaal (`proces_verbaal`) with
everything a notary's record of the ceremony needs, including how to check every step without trusting
Loket, and the ceremony's files as stored (`download`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import orjson

from loket.contracts.errors import NotNow
from loket.loting.domain.ceremony import SEED_FORMAT
from loket.loting.persistence.models import Run, RunPublication, RunSeed
from loket.loting.persistence.repository import Runs

if TYPE_CHECKING:
    from loket.contracts.runtime.unit_of_work import Work

File = Literal["commitment", "seed-record", "market", "result"]

REPORT_FORMAT = "loting-proces-verbaal/1"

CANONICAL = 'canonical JSON (keys sorted, separators "," and ":", non-ASCII as itself, UTF-8, one "\\n" at the end)'

HOW_TO_CHECK = (
    f"commitment: the SHA-256 of the commitment file is commitment.sha256; the file is the market without its seed, "
    f"in {CANONICAL}; it was seen published on the bus at commitment.published_at, before seed.entered_at.",
    f"seed: the seed record is {{format: {SEED_FORMAT}, commitment_sha256, sources: the declared sources in order, "
    f"each with its value}} in {CANONICAL}; the seed is the SHA-256 of those bytes, in lowercase hex.",
    f'market: the commitment with "seed": <seed> inserted, in {CANONICAL}; its SHA-256 is market.sha256.',
    "result: `loting verify market.json result.json` re-runs the market and exits 0 when it gives result.json "
    "byte for byte; result.sha256 is the SHA-256 of result.json.",
)


def path(run_id: UUID, what: str) -> str:
    """Where loting serves a run's file (`http/runs.py`)."""
    return f"/runs/{run_id}/{what}"


async def show(work: Work[Any], run_id: UUID) -> dict[str, Any]:
    async with work() as uow:
        runs = Runs(uow.session)
        run = await runs.find(run_id)
        return summary(run, await runs.seed(run.id))


async def proces_verbaal(work: Work[Any], run_id: UUID) -> dict[str, Any]:
    async with work() as uow:
        runs = Runs(uow.session)
        run = await runs.find(run_id)
        seed = await runs.seed(run.id)
        record = None if seed is None else orjson.loads(await runs.content(seed.seed))
        return notarial_report(run, seed, record, await runs.publications(run.id), generated_at=uow.now)


async def download(work: Work[Any], run_id: UUID, what: File) -> tuple[str, bytes]:
    """The SHA-256 and the exact bytes of one of a run's files; `NotNow` before the step that writes it."""
    async with work() as uow:
        runs = Runs(uow.session)
        run = await runs.find(run_id)
        seed = await runs.seed(run_id)
        sha256 = {
            "commitment": run.commitment_sha256,
            "seed-record": seed.seed if seed else None,
            "market": run.market_sha256,
            "result": run.result_sha256,
        }[what]
        if sha256 is None:
            raise NotNow(f"run {run_id} is {run.state}: no {what} yet")
        return sha256, await runs.content(sha256)


def _identity(run: Run) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "label": run.label,
        "state": run.state,
        "mechanism": run.mechanism,
        "students": run.students,
        "programs": run.programs,
    }


def summary(run: Run, seed: RunSeed | None) -> dict[str, Any]:
    """The state of a run, for `GET /runs/{id}` and the answers to its requests."""
    files = {
        "commitment": run.commitment_sha256,
        "seed-record": seed.seed if seed else None,
        "market": run.market_sha256,
        "result": run.result_sha256,
    }
    return {
        **_identity(run),
        "seed_sources": run.seed_sources,
        "commitment_sha256": run.commitment_sha256,
        "seed": seed.seed if seed else None,
        "market_sha256": run.market_sha256,
        "result_sha256": run.result_sha256,
        "statistics": run.statistics,
        "attempts": run.attempts,
        "failure_reason": run.failure_reason,
        "requested_at": run.requested_at,
        "commitment_published_at": run.commitment_published_at,
        "seed_entered_by": seed.entered_by if seed else None,
        "seed_entered_at": seed.entered_at if seed else None,
        "completed_at": run.completed_at,
        "failed_at": run.failed_at,
        "links": {
            **{what: path(run.id, what) for what, sha256 in files.items() if sha256},
            "proces-verbaal": path(run.id, "proces-verbaal"),
        },
    }


def notarial_report(
    run: Run,
    seed: RunSeed | None,
    record: dict[str, Any] | None,
    publications: list[RunPublication],
    *,
    generated_at: datetime,
) -> dict[str, Any]:
    """The proces-verbaal of a run, in whatever state it is; a step not taken yet is `null`."""
    seed_part = None
    if seed is not None and record is not None:
        seed_part = {
            "seed": seed.seed,
            "sources": record["sources"],
            "entered_by": seed.entered_by,
            "entered_at": seed.entered_at,
            "record": record,
            "record_path": path(run.id, "seed-record"),
        }
    return {
        "format": REPORT_FORMAT,
        "run": {
            **_identity(run),
            "attempts": run.attempts,
            "failure_reason": run.failure_reason,
        },
        "commitment": {
            "sha256": run.commitment_sha256,
            "path": path(run.id, "commitment"),
            "seed_sources": run.seed_sources,
            "requested_at": run.requested_at,
            "published_at": run.commitment_published_at,
        },
        "seed": seed_part,
        "market": _file(run, "market", run.market_sha256),
        "result": _file(run, "result", run.result_sha256),
        "statistics": run.statistics,
        "timestamps": {
            "requested_at": run.requested_at,
            "commitment_published_at": run.commitment_published_at,
            "seed_entered_at": seed.entered_at if seed else None,
            "completed_at": run.completed_at,
            "failed_at": run.failed_at,
        },
        "events": [
            {
                "event": publication.routing_key,
                "event_id": str(publication.event_id),
                "occurred_at": publication.occurred_at,
                "seen_on_bus_at": publication.seen_on_bus_at,
                "payload": publication.payload,
            }
            for publication in publications
        ],
        "how_to_check": HOW_TO_CHECK,
        "generated_at": generated_at,
    }


def _file(run: Run, what: str, sha256: str | None) -> dict[str, str] | None:
    return {"sha256": sha256, "path": path(run.id, what)} if sha256 else None
