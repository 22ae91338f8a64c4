"""Every repository of aanmelding on one unit of work's session: what a use case loads and stores with."""

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.announcements import AnnouncementRepository
from loket.aanmelding.persistence.lotteries import LotteryRepository
from loket.aanmelding.persistence.notes import NoteRepository
from loket.aanmelding.persistence.pupils import PupilRepository
from loket.aanmelding.persistence.registrations import RegistrationRepository
from loket.aanmelding.persistence.teaching import TeachingRepository


class Repositories:
    def __init__(self, session: AsyncSession) -> None:
        self.registrations = RegistrationRepository(session)
        self.pupils = PupilRepository(session)
        self.teaching = TeachingRepository(session)
        self.lotteries = LotteryRepository(session)
        self.notes = NoteRepository(session)
        self.announcements = AnnouncementRepository(session)
