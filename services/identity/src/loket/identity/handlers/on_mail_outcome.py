"""notificatie sent a mail identity asked for, or could not deliver it."""

from collections.abc import Awaitable, Callable

from loket.contracts.events import MessageFailed, MessageSent
from loket.contracts.inbox import Delivery
from loket.identity.application.mail_outcomes import MailOutcomes


def on_mail_outcome(
    mail_outcomes: MailOutcomes,
) -> Callable[[Delivery[MessageSent] | Delivery[MessageFailed]], Awaitable[None]]:
    async def record_mail_outcome(delivery: Delivery[MessageSent] | Delivery[MessageFailed]) -> None:
        """The school sees whether a parent's activation mail went out; an administrator, an invitation's."""
        await mail_outcomes.record(delivery.work, delivery.payload)

    return record_mail_outcome
