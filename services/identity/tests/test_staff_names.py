"""A staff member's username is an e-mail address as email-validator reads it (the same library behind
the API's `EmailStr`), and a school is a BRIN number with its location as python-stdnum reads it."""

import pytest

from loket.contracts.errors import Invalid
from loket.identity.domain.staff import school_code, username


def test_a_username_is_the_address_trimmed_in_lower_case() -> None:
    assert username("  Juf.8A@School.Example ") == "juf.8a@school.example"


@pytest.mark.parametrize("address", ["juf@school..example", "<juf>@school.example", "juf@school", "juf@@school.nl"])
def test_what_is_no_address_is_refused(address: str) -> None:
    with pytest.raises(Invalid) as refused:
        username(address)
    assert refused.value.problems[0].where == "email"


def test_a_school_is_its_brin_with_the_location_in_capitals() -> None:
    assert school_code(" 12ab 01") == "12AB01"
    for wrong in ("12AB", "1AB201", "12AB0Z", "12-AB-01-02"):
        with pytest.raises(Invalid):
            school_code(wrong)
