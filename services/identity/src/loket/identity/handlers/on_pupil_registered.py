"""dossier registered a pupil: identity offers the pupil's parent logins (a white dot each)."""

from collections.abc import Awaitable, Callable

from loket.contracts.events import PupilRegistered
from loket.contracts.inbox import Delivery
from loket.identity.application.parent_logins import ParentLogins


def on_pupil_registered(parent_logins: ParentLogins) -> Callable[[Delivery[PupilRegistered]], Awaitable[None]]:
    async def offer_parent_logins(delivery: Delivery[PupilRegistered]) -> None:
        """No account and no mail yet: the school asks for a parent's login when it has checked the address."""
        await parent_logins.offer(delivery.work, delivery.payload.pupil_id)

    return offer_parent_logins
