"""dossier: the pupil is in another group; that group's teachers see the pupil."""

from loket.aanmelding.application.pupils import group_changed
from loket.contracts.events import PupilGroupChanged
from loket.contracts.inbox import Delivery


async def on_pupil_group_changed(delivery: Delivery[PupilGroupChanged]) -> None:
    await group_changed(delivery.work, delivery.payload, delivery.envelope.occurred_at)
