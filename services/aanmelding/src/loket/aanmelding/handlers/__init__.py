"""What aanmelding does when dossier's events arrive: a pupil's final advice opens registration; a new
pupil's ELK number is what a twin names them by; a pupil's group and a group's teachers decide which
teachers see the pupil. And when loting's: a ceremony's result is applied to its lottery."""

import logging
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.application.lottery import Lotteries
from loket.aanmelding.domain.eligibility import advice_levels
from loket.aanmelding.persistence.models import PupilEligibility, TeachingGroup
from loket.contracts.events import (
    FinalAdviceGiven,
    GroupTeachersChanged,
    PupilGroupChanged,
    PupilRegistered,
    RegistrationFormOutdated,
    ResultIssued,
    RunRefused,
)
from loket.contracts.inbox import Consumer, Delivery

log = logging.getLogger(__name__)


def register(consumer: Consumer, lotteries: Lotteries) -> None:
    @consumer.on(ResultIssued)
    async def result_issued(delivery: Delivery[ResultIssued]) -> None:
        lottery = await lotteries.result_issued(delivery.session, delivery.payload)
        if lottery is None:
            log.info("aanmelding: loting's run %s is of no lottery waiting here", delivery.payload.run_id)
        elif lottery.ceremony_refusal:
            log.error("aanmelding: lottery %s: loting's result refused: %s", lottery.id, lottery.ceremony_refusal)

    @consumer.on(RunRefused)
    async def run_refused(delivery: Delivery[RunRefused]) -> None:
        await lotteries.run_refused(delivery.session, delivery.payload)

    @consumer.on(PupilRegistered)
    async def pupil_known(delivery: Delivery[PupilRegistered]) -> None:
        registered = delivery.payload
        pupil = await _pupil(delivery.session, registered.pupil_id, registered.school_brin)
        pupil.elk_number = registered.elk_number
        delivery.session.add(pupil)

    @consumer.on(FinalAdviceGiven)
    async def registration_opens(delivery: Delivery[FinalAdviceGiven]) -> None:
        given = delivery.payload
        advice_levels(given.advice)  # an advice aanmelding cannot read is a poison message: dead-letter it
        pupil = await _pupil(delivery.session, given.pupil_id, given.school_brin)
        if pupil.advice_given_at is not None and pupil.advice_given_at > delivery.envelope.occurred_at:
            return  # a later advice already arrived; events may come out of order
        pupil.advice = given.advice
        pupil.advice_given_at = delivery.envelope.occurred_at
        delivery.session.add(pupil)

    @consumer.on(RegistrationFormOutdated)
    async def form_outdated(delivery: Delivery[RegistrationFormOutdated]) -> None:
        outdated, outdated_at = delivery.payload, delivery.envelope.occurred_at
        pupil = await _pupil(delivery.session, outdated.pupil_id, outdated.school_brin)
        pupil.form_outdated_at = max(pupil.form_outdated_at or outdated_at, outdated_at)
        delivery.session.add(pupil)

    @consumer.on(PupilGroupChanged)
    async def pupil_grouped(delivery: Delivery[PupilGroupChanged]) -> None:
        grouped, at = delivery.payload, delivery.envelope.occurred_at
        pupil = await _pupil(delivery.session, grouped.pupil_id, grouped.school_brin)
        if pupil.group_changed_at is not None and pupil.group_changed_at > at:
            return  # a later group already arrived
        pupil.group_name, pupil.group_changed_at = grouped.group, at
        delivery.session.add(pupil)

    @consumer.on(GroupTeachersChanged)
    async def teachers_changed(delivery: Delivery[GroupTeachersChanged]) -> None:
        changed, at = delivery.payload, delivery.envelope.occurred_at
        key = {"school_brin": changed.school_brin, "group_name": changed.group}
        await _make(delivery.session, TeachingGroup, key, teachers=[], changed_at=datetime.min.replace(tzinfo=UTC))
        group = await delivery.session.get(TeachingGroup, key, with_for_update=True, populate_existing=True)
        assert group is not None
        if group.changed_at > at:
            return  # a later set of teachers already arrived
        group.teachers, group.changed_at = list(changed.teachers), at
        delivery.session.add(group)


async def _pupil(session: AsyncSession, pupil_id: UUID, school_brin: str) -> PupilEligibility:
    """The pupil's row, made if it is new, and locked: a pupil's events may be handled at the same moment
    (the ELK number and the final advice come close together), and the second must wait for the first
    rather than fail on the same new row."""
    await _make(session, PupilEligibility, {"pupil_id": pupil_id}, school_brin=school_brin)
    pupil = await session.get(PupilEligibility, pupil_id, with_for_update=True, populate_existing=True)
    assert pupil is not None
    pupil.school_brin = school_brin
    return pupil


async def _make(session: AsyncSession, table: type[Any], key: dict[str, Any], **values: Any) -> None:
    """Insert the row with this primary key unless it exists; a concurrent insert of the same row waits."""
    dialect = (await session.connection()).dialect.name
    new = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    await session.execute(new.values(**key, **values).on_conflict_do_nothing(index_elements=list(key)))
