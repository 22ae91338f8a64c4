"""The result file (`loting-result/1`) in canonical form, byte for byte."""

from typing import Any

import orjson

from loket.loting.domain.engine.market import paused_gc
from loket.loting.domain.engine.mechanisms import Outcome

FORMAT = "loting-result/1"


def result_document(outcome: Outcome) -> dict[str, Any]:
    market = outcome.market
    programs = outcome.program.tolist()
    ranks = outcome.rank.tolist()
    ids = market.program_ids
    by_id = market.by_id
    assignments = [
        {
            "student": market.student_ids[s],
            "program": ids[programs[s]] if programs[s] >= 0 else None,
            "rank": ranks[s] if programs[s] >= 0 else None,
        }
        for s in by_id
    ]
    return {
        "format": FORMAT,
        "market_sha256": market.sha256,
        "mechanism": market.mechanism,
        "seed": market.seed_hex,
        "assignments": assignments,
    }


def canonical(document: Any) -> bytes:
    """Keys sorted, no spaces, non-ASCII as itself, one newline at the end.

    orjson writes exactly this form (the same as `json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`, which `tests/test_result.py` checks), several times faster.
    """
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def result_bytes(outcome: Outcome) -> bytes:
    with paused_gc():
        return canonical(result_document(outcome))
