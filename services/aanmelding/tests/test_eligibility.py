"""A pupil may register once the primary school has given the final advice; a changed pupil needs a
fresh registration form. aanmelding learns both from dossier's events, each exactly once."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from loket_test_support import deliver

from loket.aanmelding.app import build
from loket.aanmelding.domain.eligibility import Eligibility, Readiness, advice_levels
from loket.aanmelding.persistence.models import PupilEligibility
from loket.aanmelding.settings import AanmeldingSettings
from loket.contracts.envelope import new_envelope
from loket.contracts.events import FinalAdviceGiven, PupilRegistered, RegistrationFormOutdated

SERVICE = "aanmelding"


@pytest.fixture
async def aanmelding(migrated_database_url):  # type: ignore[no-untyped-def]
    runtime, _ = build(AanmeldingSettings(LOKET_AANMELDING_DATABASE_URL=migrated_database_url))
    yield runtime
    await runtime.database.dispose()


async def eligibility(runtime, pupil_id) -> Eligibility:  # type: ignore[no-untyped-def]
    async with runtime.database.transaction() as session:
        pupil = await session.get(PupilEligibility, pupil_id)
        assert pupil is not None
        return Eligibility(pupil.advice, pupil.advice_given_at, pupil.form_outdated_at, pupil.form_prepared_at)


def at(payload, when: datetime):  # type: ignore[no-untyped-def]
    return new_envelope(payload, region="demo").model_copy(update={"occurred_at": when})


async def test_the_final_advice_opens_registration_once_even_when_delivered_twice(aanmelding):
    pupil = uuid4()
    advice = FinalAdviceGiven(pupil_id=pupil, school_brin="12AB01", advice="vmbo_gt/havo")
    envelope = at(advice, datetime.now(UTC))

    assert await deliver(aanmelding, advice, envelope) is True
    assert await deliver(aanmelding, advice, envelope) is False  # the inbox knows it

    found = await eligibility(aanmelding, pupil)
    assert found.advice == "vmbo_gt/havo" and found.readiness is Readiness.OPEN


async def test_an_older_advice_arriving_late_does_not_overwrite_a_newer_one(aanmelding):
    pupil, now = uuid4(), datetime.now(UTC)
    newer = FinalAdviceGiven(pupil_id=pupil, school_brin="12AB01", advice="havo")
    older = FinalAdviceGiven(pupil_id=pupil, school_brin="12AB01", advice="vmbo_gt")

    await deliver(aanmelding, newer, at(newer, now))
    await deliver(aanmelding, older, at(older, now - timedelta(minutes=5)))

    assert (await eligibility(aanmelding, pupil)).advice == "havo"


async def test_changed_pupil_details_outdate_the_registration_form(aanmelding):
    pupil, now = uuid4(), datetime.now(UTC)
    advice = FinalAdviceGiven(pupil_id=pupil, school_brin="12AB01", advice="vwo")
    changed = RegistrationFormOutdated(pupil_id=pupil, school_brin="12AB01")

    await deliver(aanmelding, advice, at(advice, now))
    await deliver(aanmelding, changed, at(changed, now + timedelta(minutes=1)))

    assert (await eligibility(aanmelding, pupil)).readiness is Readiness.FORM_OUTDATED


def test_without_a_final_advice_a_pupil_waits():
    assert Eligibility(None, None, None, None).readiness is Readiness.WAITING_FOR_ADVICE


@pytest.mark.parametrize("advice", ["havo", "vmbo_gt/havo", "pro", "vmbo_b/vmbo_k"])
def test_an_advice_is_one_level_or_two_adjacent_ones(advice):
    assert "/".join(advice_levels(advice)) == advice


@pytest.mark.parametrize("advice", ["gymnasium", "vmbo_b/havo", "havo/vmbo_gt", "havo/vwo/pro", ""])
def test_anything_else_is_refused(advice):
    with pytest.raises(ValueError, match="adjacent"):
        advice_levels(advice)


async def test_a_new_pupils_events_handled_at_the_same_moment_both_count(aanmelding):
    pupil, now = uuid4(), datetime.now(UTC)
    registered = PupilRegistered(pupil_id=pupil, elk_number="10001", school_brin="12AB01", parent_email="o@example.org")
    advice = FinalAdviceGiven(pupil_id=pupil, school_brin="12AB01", advice="havo")

    handled = await asyncio.gather(
        deliver(aanmelding, registered, at(registered, now)), deliver(aanmelding, advice, at(advice, now))
    )

    assert handled == [True, True]
    async with aanmelding.database.transaction() as session:
        row = await session.get(PupilEligibility, pupil)
    assert row is not None and (row.elk_number, row.advice) == ("10001", "havo")
