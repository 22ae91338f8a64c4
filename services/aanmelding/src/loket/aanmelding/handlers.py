"""What aanmelding does when dossier's events arrive: a pupil's final advice opens registration; a new
pupil's ELK number is what a twin names them by."""

from uuid import UUID

from sqlalchemy.dialects import postgresql, sqlite
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
    """The pupil's row, made if it is new, and locked: a pupil's events may be handled at the same moment
    (the ELK number and the final advice come close together), and the second must wait for the first
    rather than fail on the same new row."""
    dialect = (await session.connection()).dialect.name
    new = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PupilEligibility)
    await session.execute(
        new.values(pupil_id=pupil_id, school_brin=school_brin).on_conflict_do_nothing(index_elements=["pupil_id"])
    )
    pupil = await session.get(PupilEligibility, pupil_id, with_for_update=True, populate_existing=True)
    assert pupil is not None
    pupil.school_brin = school_brin
    return pupil
