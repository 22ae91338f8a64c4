"""The result file's canonical form, and markets at the edges of what JSON allows."""

import json

from hypothesis import given
from hypothesis import strategies as st

from loket.loting.domain.engine import canonical, load_market, result_document, solve

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_form_is_the_one_the_spec_describes(document: object) -> None:
    spec = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"

    assert canonical(document) == spec.encode()


def market(priority: int) -> bytes:
    text = (
        '{"format":"loting-market/1","mechanism":"da-stb","seed":"' + "ab" * 32 + '",'
        '"programs":[{"id":"A","capacity":1}],'
        '"students":[{"id":"s1","preferences":["A"],"priorities":{"A":' + str(priority) + "}},"
        '{"id":"s2","preferences":["A"]}]}'
    )
    return text.encode()


def test_priorities_beyond_64_bits_are_whole_numbers_and_still_rank() -> None:
    huge = load_market(market(10**30))
    below = load_market(market(-(10**30)))

    assert result_document(solve(huge))["assignments"][0] == {"student": "s1", "program": "A", "rank": 1}
    assert result_document(solve(below))["assignments"][1] == {"student": "s2", "program": "A", "rank": 1}
