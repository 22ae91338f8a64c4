"""A round's lottery: the market built from the registrations that reached their school of first choice.
Only the region builds it; it is the input of loting's ceremony."""

from uuid import UUID

from sqlmodel import col, select

from loket.aanmelding.domain.market import Entry, market
from loket.aanmelding.domain.procedure import Procedure, Submission
from loket.aanmelding.domain.registration import NotNow, RegistrationState
from loket.aanmelding.persistence.models import Registration
from loket.aanmelding.registrations import Forbidden, NotFound
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, Role


def student_id(registration_id: UUID) -> str:
    """The registration's id as the market's pseudonymous student id."""
    return registration_id.hex


class Lotteries:
    def __init__(self, database: Database, procedure: Procedure) -> None:
        self.database = database
        self.procedure = procedure

    async def market(self, claims: Claims, round_code: str) -> dict[str, object]:
        if claims.role != Role.REGION_ADMIN or claims.act is not None:
            raise Forbidden("only the region builds a lottery market")
        round_ = next((round_ for round_ in self.procedure.rounds if round_.code == round_code), None)
        if round_ is None:
            raise NotFound(f"no round {round_code!r} in this procedure")
        reached = (
            [RegistrationState.FORWARDED]
            if self.procedure.submission == Submission.PRIMARY_SCHOOL
            else [RegistrationState.SUBMITTED, RegistrationState.FORWARDED]
        )
        query = select(Registration).where(
            Registration.round_code == round_code,
            col(Registration.active).is_(True),
            col(Registration.state).in_(reached),
        )
        async with self.database.transaction() as session:
            registrations = (await session.exec(query)).all()
        if not registrations:
            raise NotNow(f"no registration has reached a school in {round_.name} yet")
        entries = [
            Entry(
                student=student_id(registration.id),
                advice=registration.advice,
                preferences=tuple(registration.preferences),
                priority_granted=registration.priority_decision == "granted",
                equivalent_program_wish=registration.equivalent_program_wish,
            )
            for registration in registrations
        ]
        return market(self.procedure, round_, entries)
