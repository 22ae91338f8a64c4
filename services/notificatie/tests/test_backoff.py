"""The waits between attempts at a message the mail server refuses for now."""

import pytest

from loket.notificatie.domain.messages import is_permanent, retry_delay, retry_delays


def test_each_wait_is_four_times_the_last_up_to_the_cap():
    assert retry_delays(5, first=60, cap=3600) == [60, 240, 960, 3600]
    assert retry_delays(1, first=60, cap=3600) == []  # one attempt: no retry
    assert retry_delay(7, first=60, cap=3600) == 3600


def test_attempts_count_from_one():
    with pytest.raises(ValueError, match="from 1"):
        retry_delay(0, first=60, cap=3600)


@pytest.mark.parametrize(("code", "permanent"), [(421, False), (451, False), (452, False), (550, True), (554, True)])
def test_only_5xx_answers_are_final(code, permanent):
    assert is_permanent(code) is permanent
