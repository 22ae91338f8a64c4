"""The school asked for a parent's login ("ouderinlog versturen"): the account and its activation link."""

from collections.abc import Awaitable, Callable

from loket.contracts.events import ParentLoginRequested
from loket.contracts.inbox import Delivery
from loket.identity.application.parent_logins import ParentLogins


def on_parent_login_requested(
    parent_logins: ParentLogins,
) -> Callable[[Delivery[ParentLoginRequested]], Awaitable[None]]:
    async def open_parent_account(delivery: Delivery[ParentLoginRequested]) -> None:
        await parent_logins.request(delivery.work, delivery.payload)

    return open_parent_account
