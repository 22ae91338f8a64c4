"""What aanmelding does when dossier's events arrive: a pupil's final advice opens registration; a new
pupil's ELK number is what a twin names them by."""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.domain.eligibility import advice_levels
from loket.aanmelding.persistence.models import PupilEligibility
from loket.contracts.events import FinalAdviceGiven, PupilRegistered, RegistrationFormOutdated
from loket.contracts.inbox import Consumer, Delivery


def register(consumer: Consumer) -> None:
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


async def _pupil(session: AsyncSession, pupil_id: UUID, school_brin: str) -> PupilEligibility:
    pupil = await session.get(PupilEligibility, pupil_id)
    if pupil is None:
        pupil = PupilEligibility(pupil_id=pupil_id, school_brin=school_brin)
    pupil.school_brin = school_brin
    return pupil
