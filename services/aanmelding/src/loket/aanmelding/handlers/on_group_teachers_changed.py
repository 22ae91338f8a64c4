"""dossier: the school set who teaches a group; a teacher of some groups sees only their pupils."""

from loket.aanmelding.application.pupils import teachers_changed
from loket.contracts.events import GroupTeachersChanged
from loket.contracts.inbox import Delivery


async def on_group_teachers_changed(delivery: Delivery[GroupTeachersChanged]) -> None:
    await teachers_changed(delivery.work, delivery.payload, delivery.envelope.occurred_at)
