"""What dossier does when other services' events arrive: the dots of the parent logins, and which
secondary schools received a pupil's registration (they read its dossier while it stands)."""

from loket.contracts.events import ParentLoginStateChanged, RegistrationSubmitted, RegistrationWithdrawn
from loket.contracts.inbox import Consumer, Delivery
from loket.dossier.parent_logins import record_state
from loket.dossier.sharing import record_registration


def register(consumer: Consumer) -> None:
    @consumer.on(ParentLoginStateChanged)
    async def parent_login_changed(delivery: Delivery[ParentLoginStateChanged]) -> None:
        """identity says how far a parent login got: the school sees it on the pupil."""
        await record_state(delivery.session, delivery.payload, delivery.envelope.occurred_at)

    @consumer.on(RegistrationSubmitted)
    async def registration_submitted(delivery: Delivery[RegistrationSubmitted]) -> None:
        """The secondary schools that received the registration read the pupil's dossier from now on."""
        submitted = delivery.payload
        await record_registration(
            delivery.session,
            submitted.pupil_id,
            submitted.registration_id,
            submitted.school_brins,
            delivery.envelope.occurred_at,
            submitted_at=submitted.submitted_at,
        )

    @consumer.on(RegistrationWithdrawn)
    async def registration_withdrawn(delivery: Delivery[RegistrationWithdrawn]) -> None:
        """The registration was withdrawn: those secondary schools no longer read the pupil's dossier."""
        withdrawn = delivery.payload
        await record_registration(
            delivery.session,
            withdrawn.pupil_id,
            withdrawn.registration_id,
            withdrawn.school_brins,
            delivery.envelope.occurred_at,
            withdrawn_at=withdrawn.withdrawn_at,
        )
