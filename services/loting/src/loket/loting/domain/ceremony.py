"""The lottery ceremony: the order of its steps, its seed sources and how the seed is derived.

Plain Python, no framework. A run only moves forward, one step at a time:

    requested ──commitment seen on the bus──▶ committed ──seed entered──▶ seeded
    seeded ──engine ran──▶ completed
    seeded ──engine failed──▶ failed ──retry──▶ seeded

- *requested*: the market, without a seed, is stored as the **commitment** (its canonical JSON and
  that file's SHA-256), and `loting.run.committed.v1` with the hash waits in the outbox.
- *committed*: loting saw its own `committed` event come back from the bus, so the hash is public.
  Only from now on can a seed be entered: the market is fixed before any seed exists.
- *seeded*: the seed was entered, with one value for exactly the sources declared in the request.
- *completed*: the engine ran the final market (the commitment with the seed inserted). Never again.
- *failed*: the engine could not run it; a retry makes it *seeded* again, with the same seed.

**The seed** (64 lowercase hex) is the SHA-256 of the *seed record*: the document below in canonical
JSON (keys sorted, separators `,` and `:`, non-ASCII as itself, UTF-8, one `\\n` at the end), with the
sources in the order they were declared in the request:

    {"commitment_sha256": "<64 hex>", "format": "loting-seed/1",
     "sources": [{"kind": "notary", "value": "<as entered>"},
                 {"kind": "beacon", "name": "drand quicknet", "round": 12345, "value": "<hex>"}]}

Anyone can recompute it:

    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\\n"
    seed = hashlib.sha256(text.encode()).hexdigest()
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from loket.contracts.errors import Invalid, NotNow

SEED_FORMAT = "loting-seed/1"
PLACEHOLDER_SEED = "0" * 64  # only to check a market before it has its seed; never run
MAX_SOURCES = 10
MAX_VALUE_LENGTH = 1000
MAX_REASON = 2000  # the longest reason a failed or refused run's event carries
BEACON_VALUE = re.compile(r"(?:[0-9a-f]{2}){16,512}")  # the beacon's randomness as published, in hex


class RunState(StrEnum):
    REQUESTED = "requested"
    COMMITTED = "committed"
    SEEDED = "seeded"
    COMPLETED = "completed"
    FAILED = "failed"


class Step(StrEnum):
    PUBLISH_COMMITMENT = "publish the commitment"
    ENTER_SEED = "enter the seed"
    COMPLETE = "complete"
    FAIL = "fail"
    RETRY = "retry"


TRANSITIONS: dict[Step, tuple[RunState, RunState]] = {
    Step.PUBLISH_COMMITMENT: (RunState.REQUESTED, RunState.COMMITTED),
    Step.ENTER_SEED: (RunState.COMMITTED, RunState.SEEDED),
    Step.COMPLETE: (RunState.SEEDED, RunState.COMPLETED),
    Step.FAIL: (RunState.SEEDED, RunState.FAILED),
    Step.RETRY: (RunState.FAILED, RunState.SEEDED),
}
"""Each step: the one state it may be taken in, and the state it leads to."""


class OutOfOrder(NotNow):
    """A step the run's state does not allow (yet, or any more). Nothing changes. The message names
    the run when it is known (`run <id>: cannot …`)."""

    def __init__(self, state: RunState, step: Step, reason: str, *, run: UUID | None = None) -> None:
        super().__init__(f"{'' if run is None else f'run {run}: '}cannot {step} while the run is {state}: {reason}")
        self.state = state
        self.step = step


class InvalidInput(Invalid):
    """A market, a list of seed sources or seed values that the ceremony cannot take: answered 422 as
    every refusal of a request's body is (`loc` the field: `market`, `seed_sources` or `values`; `msg`
    the sentence), and told to aanmelding as the sentence alone."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(where, what)
        self.args = (what,)


def advance(state: RunState, step: Step, *, run: UUID | None = None) -> RunState:
    """The state after `step`, or `OutOfOrder` when the run is not in the one state that allows it."""
    state = RunState(state)  # a row read back from the database holds the plain string
    before, after = TRANSITIONS[step]
    if state is not before:
        raise OutOfOrder(state, step, _why_not(state, step), run=run)
    return after


def runs_now(state: RunState) -> bool:
    """Whether the engine should run: only a seeded run; a completed one never runs again."""
    return RunState(state) is RunState.SEEDED


def _why_not(state: RunState, step: Step) -> str:
    if step is Step.ENTER_SEED:
        if state is RunState.REQUESTED:
            return "its commitment has not been seen published on the bus yet, and a seed may only exist after that"
        return "it already has its seed, and a run gets exactly one"
    if step is Step.RETRY:
        if state is RunState.COMPLETED:
            return "a completed run is never run again"
        return "only a failed run can be retried"
    if step is Step.PUBLISH_COMMITMENT:
        return "its commitment was published before"
    return "only a seeded run is executed"


@dataclass(frozen=True)
class SeedSource:
    """A source of the seed: the notary's value, or a public beacon's value at a given round."""

    kind: str
    name: str | None = None
    round: int | None = None

    @property
    def key(self) -> str:
        """How its value is named when the seed is entered: `notary`, `beacon:<name>:<round>`."""
        return "notary" if self.kind == "notary" else f"beacon:{self.name}:{self.round}"

    def declared(self) -> dict[str, Any]:
        """As it stands in the request, the events and the seed record (without its value)."""
        if self.kind == "notary":
            return {"kind": "notary"}
        return {"kind": self.kind, "name": self.name, "round": self.round}


def check_sources(sources: Sequence[SeedSource]) -> None:
    """Exactly one notary, any number of distinct beacons (each with a name and a round)."""
    if not 1 <= len(sources) <= MAX_SOURCES:
        raise InvalidInput("seed_sources", f"seed sources: declare between 1 and {MAX_SOURCES}, one of them the notary")
    notaries = sum(source.kind == "notary" for source in sources)
    if notaries != 1:
        raise InvalidInput("seed_sources", f"seed sources: exactly one notary source is required, found {notaries}")
    seen: set[str] = set()
    for position, source in enumerate(sources, start=1):
        where = f"seed source {position} ({source.kind})"
        if source.kind == "notary" and (source.name is not None or source.round is not None):
            raise InvalidInput("seed_sources", f"{where}: the notary source has no name or round")
        if source.kind == "beacon":
            if source.name is None or source.round is None:
                raise InvalidInput("seed_sources", f"{where}: a beacon needs a name and a round")
            if not _plain_text(source.name, 100):
                raise InvalidInput(
                    "seed_sources", f"{where}: the name must be 1 to 100 printable characters without outer spaces"
                )
            if source.round < 0:
                raise InvalidInput("seed_sources", f"{where}: the round cannot be negative")
        elif source.kind != "notary":
            raise InvalidInput("seed_sources", f"{where}: the kind must be notary or beacon")
        if source.key in seen:
            raise InvalidInput("seed_sources", f"{where}: {source.key} is declared twice")
        seen.add(source.key)


def check_values(sources: Sequence[SeedSource], values: Mapping[str, str]) -> None:
    """A value for exactly the declared sources, each in a form that reads back the same."""
    declared = [source.key for source in sources]
    missing = [key for key in declared if key not in values]
    unknown = sorted(set(values) - set(declared))
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if unknown:
            problems.append(f"not declared {', '.join(unknown)}")
        raise InvalidInput("values", f"seed values: {'; '.join(problems)} (declared: {', '.join(declared)})")
    for source in sources:
        value = values[source.key]
        if source.kind == "notary" and not _plain_text(value, MAX_VALUE_LENGTH):
            raise InvalidInput(
                "values", f"seed value {source.key}: 1 to {MAX_VALUE_LENGTH} printable characters without outer spaces"
            )
        if source.kind == "beacon" and not BEACON_VALUE.fullmatch(value):
            raise InvalidInput(
                "values",
                f"seed value {source.key}: the beacon's randomness as published, in lowercase hex (32 to 1024 digits)",
            )


def seed_record(commitment_sha256: str, sources: Sequence[SeedSource], values: Mapping[str, str]) -> dict[str, Any]:
    """What the seed is derived from; `check_values` first."""
    return {
        "format": SEED_FORMAT,
        "commitment_sha256": commitment_sha256,
        "sources": [{**source.declared(), "value": values[source.key]} for source in sources],
    }


def canonical_json(document: Any) -> bytes:
    """The canonical form of loting-market/1, written with the standard library."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode()


def seed_of(record_bytes: bytes) -> str:
    """The seed: the SHA-256 of the seed record's canonical bytes, in lowercase hex."""
    return hashlib.sha256(record_bytes).hexdigest()


def check_unseeded(market: Mapping[str, Any]) -> None:
    if "seed" in market:
        raise InvalidInput(
            "market", "market: a requested market has no seed; the seed is fixed in the ceremony, after the commitment"
        )


def _plain_text(text: str, longest: int) -> bool:
    return 1 <= len(text) <= longest and text.isprintable() and text == text.strip()
