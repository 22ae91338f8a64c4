"""dossier registered a pupil: its ELK number is what a twin names the pupil by."""

from loket.aanmelding.application.pupils import pupil_registered
from loket.contracts.events import PupilRegistered
from loket.contracts.inbox import Delivery


async def on_pupil_registered(delivery: Delivery[PupilRegistered]) -> None:
    await pupil_registered(delivery.work, delivery.payload)
