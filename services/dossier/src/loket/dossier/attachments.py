"""Attachments to the OKI-doc: the pupil's own primary school adds them while the OKI-doc is not final,
and whoever reads the OKI-doc (a secondary school the pupil is registered with too) lists and downloads
them; every list and download by staff is audited. A pupil from outside the region has no OKI-doc: its
parents upload what a secondary school asks for ("uploadknop"). The rules are in `domain/attachments.py`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func
from sqlalchemy import select as columns
from sqlmodel import col, select

from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Role
from loket.dossier.domain import attachments as rules
from loket.dossier.domain import oki_doc
from loket.dossier.domain.access import Caller
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.errors import NotAllowed, NotFound
from loket.dossier.dossiers import reached, read_by
from loket.dossier.oki_docs import oki_doc_of
from loket.dossier.persistence.audit import AuditTrail
from loket.dossier.persistence.models import Attachment


@dataclass(frozen=True)
class AttachmentInfo:
    id: UUID
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


INFO = (
    col(Attachment.id),
    col(Attachment.file_name),
    col(Attachment.media_type),
    col(Attachment.size),
    col(Attachment.sha256),
    col(Attachment.uploaded_by),
    col(Attachment.uploaded_at),
)


class Attachments:
    def __init__(self, database: Database, max_bytes: int) -> None:
        self.database = database
        self.max_bytes = max_bytes

    async def add(
        self, caller: Caller, pupil_id: UUID, declared_type: str | None, name: str | None, content: bytes
    ) -> AttachmentInfo:
        rules.check_size(len(content), self.max_bytes)
        kind = rules.media_type(declared_type, content)
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, for_update=True)
            if found.pupil.external is not None:  # no OKI-doc: the parents upload what a secondary school asks for
                if caller.role is not Role.PARENT:
                    raise NotAllowed("the parents of a pupil from outside the region upload its files")
            elif not caller.writes_dossier(found.ref):
                raise NotAllowed("only the primary school's own staff attach files to the OKI-doc")
            else:
                oki_doc.check_editable((await oki_doc_of(session, found.pupil)).status)
            count = select(func.count()).select_from(Attachment).where(col(Attachment.pupil_id) == pupil_id)
            rules.check_count((await session.exec(count)).one())
            attachment = Attachment(
                pupil_id=pupil_id,
                file_name=rules.file_name(name, kind),
                media_type=kind,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
                uploaded_by=caller.subject,
                uploaded_at=datetime.now(UTC),
            )
            session.add(attachment)
            AuditTrail(session).record(
                caller, AuditAction.ATTACHMENT_ADDED, pupil_id, attachment=str(attachment.id), size=len(content)
            )
        return info(attachment)

    async def listed(self, caller: Caller, pupil_id: UUID) -> list[AttachmentInfo]:
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, as_secondary=True)
            read_by(session, caller, found, part="attachments")
            query = columns(*INFO).where(col(Attachment.pupil_id) == pupil_id)
            rows = (await session.execute(query.order_by(col(Attachment.uploaded_at), col(Attachment.id)))).all()
        return [AttachmentInfo(*row) for row in rows]

    async def download(self, caller: Caller, pupil_id: UUID, attachment_id: UUID) -> Attachment:
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, as_secondary=True)
            attachment = await session.get(Attachment, attachment_id)
            if attachment is None or attachment.pupil_id != pupil_id:
                raise NotFound("attachment")
            if caller.is_staff:
                detail = {} if found.secondary is None else {"secondary_school": found.secondary}
                AuditTrail(session).record(
                    caller, AuditAction.ATTACHMENT_READ, pupil_id, attachment=str(attachment_id), **detail
                )
        return attachment


def info(attachment: Attachment) -> AttachmentInfo:
    return AttachmentInfo(
        attachment.id,
        attachment.file_name,
        attachment.media_type,
        attachment.size,
        attachment.sha256,
        attachment.uploaded_by,
        attachment.uploaded_at,
    )
