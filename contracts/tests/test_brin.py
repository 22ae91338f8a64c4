"""The one BRIN check every service uses (`loket.contracts.brin`), with python-stdnum behind it."""

import pytest

from loket.contracts.brin import brin_with_location, is_brin_with_location


@pytest.mark.parametrize(
    ("typed", "stored"), [("12AB01", "12AB01"), (" 12ab 01 ", "12AB01"), ("12-AB-01", "12AB01"), ("１２AB01", "12AB01")]
)
def test_a_brin_with_its_location_is_read_in_its_compact_form(typed: str, stored: str) -> None:
    assert brin_with_location(typed) == stored


@pytest.mark.parametrize("wrong", ["12AB", "1AB201", "12AB0Z", "AB1201", "12AB01/..", ""])
def test_what_is_not_a_brin_with_its_location_is_none(wrong: str) -> None:
    assert brin_with_location(wrong) is None


def test_only_the_compact_form_is_safe_in_a_path() -> None:
    assert is_brin_with_location("12AB01")
    assert not is_brin_with_location("12ab01")
    assert not is_brin_with_location("12AB01 ")
    assert not is_brin_with_location("１２AB01")  # full-width digits: read as 12AB01, but not that text
