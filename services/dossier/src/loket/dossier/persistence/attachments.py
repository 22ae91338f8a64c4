"""Queries over the files attached to pupils' OKI-docs."""

from uuid import UUID

from sqlalchemy import func
from sqlalchemy import select as columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.dossier.domain.attachments import AttachmentInfo
from loket.dossier.persistence.models import Attachment

INFO = (
    col(Attachment.id),
    col(Attachment.file_name),
    col(Attachment.media_type),
    col(Attachment.size),
    col(Attachment.sha256),
    col(Attachment.uploaded_by),
    col(Attachment.uploaded_at),
)


class AttachmentStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, attachment: Attachment) -> None:
        self.session.add(attachment)

    async def count(self, pupil_id: UUID) -> int:
        query = select(func.count()).select_from(Attachment).where(col(Attachment.pupil_id) == pupil_id)
        return (await self.session.exec(query)).one()

    async def listed(self, pupil_id: UUID) -> list[AttachmentInfo]:
        """The pupil's attachments without their bytes, oldest first."""
        query = columns(*INFO).where(col(Attachment.pupil_id) == pupil_id)
        rows = (await self.session.execute(query.order_by(col(Attachment.uploaded_at), col(Attachment.id)))).all()
        return [AttachmentInfo(*row) for row in rows]

    async def get(self, pupil_id: UUID, attachment_id: UUID) -> Attachment | None:
        """One of the pupil's attachments, with its bytes."""
        attachment = await self.session.get(Attachment, attachment_id)
        return attachment if attachment is not None and attachment.pupil_id == pupil_id else None
