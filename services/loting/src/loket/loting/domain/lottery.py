"""The engine as the ceremony uses it: check a market that has no seed yet and write its commitment,
insert the seed to get the final market file, run it, and count the outcome.

Every file here is written in the canonical form of loting-market/1 (`engine.canonical`), so that
anyone can rebuild the final market from the commitment and the seed, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from loket.loting.domain.ceremony import PLACEHOLDER_SEED, InvalidInput, canonical_json, check_unseeded
from loket.loting.domain.engine import InvalidMarket, Outcome, canonical, load_market, result_bytes, solve


@dataclass(frozen=True)
class Commitment:
    """The market without its seed, as canonical bytes, and what may be said about it in public."""

    content: bytes
    mechanism: str
    students: int
    programs: int


@dataclass(frozen=True)
class Drawn:
    result: bytes
    statistics: dict[str, Any]


def commit(market: Mapping[str, Any]) -> Commitment:
    """Check a market that has no seed yet, the way the engine will read it once it has one."""
    check_unseeded(market)
    content = canonical_bytes(dict(market))
    try:
        checked = load_market(final_market(content, PLACEHOLDER_SEED))
    except InvalidMarket as invalid:
        raise InvalidInput("market", f"invalid market: {invalid}") from None
    return Commitment(
        content=content,
        mechanism=checked.mechanism,
        students=len(checked.student_ids),
        programs=len(checked.program_ids),
    )


def final_market(commitment: bytes, seed: str) -> bytes:
    """The market file the lottery runs: the commitment with `"seed"` inserted, in canonical form."""
    document = json.loads(commitment)  # the standard library keeps integers beyond 64 bits exact
    document["seed"] = seed
    return canonical_bytes(document)


def draw(market: bytes) -> Drawn:
    """Run the lottery of a final market file. Pure and CPU-bound: call it in a thread."""
    outcome = solve(load_market(market))
    return Drawn(result=result_bytes(outcome), statistics=statistics(outcome))


def statistics(outcome: Outcome) -> dict[str, Any]:
    program, rank = outcome.program, outcome.rank
    placed = program >= 0
    ranks, counts = np.unique(rank[placed], return_counts=True)
    seats_taken = np.bincount(program[placed], minlength=len(outcome.market.program_ids))
    students = len(outcome.market.student_ids)
    return {
        "students": students,
        "placed": int(placed.sum()),
        "unplaced": students - int(placed.sum()),
        "placed_per_rank": {int(r): int(c) for r, c in zip(ranks.tolist(), counts.tolist(), strict=True)},
        "programs_full": int(np.count_nonzero(seats_taken >= outcome.market.capacity)),
    }


def canonical_bytes(document: Any) -> bytes:
    """`engine.canonical`, or the same form written by the standard library when orjson cannot
    (integers beyond 64 bits); a document that has no canonical form at all is refused."""
    try:
        return canonical(document)
    except TypeError:
        pass
    try:
        return canonical_json(document)
    except (TypeError, ValueError) as exc:  # NaN or infinity, text that is not UTF-8
        raise InvalidInput("market", f"invalid market: it cannot be written as canonical JSON ({exc})") from None
