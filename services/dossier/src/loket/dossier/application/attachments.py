"""Attachments to the OKI-doc: the pupil's own primary school adds them while the OKI-doc is not final,
and whoever reads the OKI-doc (a secondary school the pupil is registered with too) lists and downloads
them; every list and download by staff is audited. A pupil from outside the region has no OKI-doc: its
parents upload what a secondary school asks for ("uploadknop"). The rules are in `domain/attachments.py`."""

from __future__ import annotations

import hashlib
from uuid import UUID

from loket.contracts.errors import Forbidden, NotFound
from loket.contracts.tokens import Role
from loket.dossier.application import DossierWork
from loket.dossier.application.reach import reached, read_by
from loket.dossier.domain import attachments as rules
from loket.dossier.domain import oki_doc
from loket.dossier.domain.access import Caller
from loket.dossier.domain.attachments import AttachmentInfo
from loket.dossier.domain.audit import AuditAction
from loket.dossier.persistence.attachments import AttachmentStore
from loket.dossier.persistence.models import Attachment
from loket.dossier.persistence.repository import Pupils


class Attachments:
    def __init__(self, work: DossierWork, max_bytes: int) -> None:
        self.work = work
        self.max_bytes = max_bytes

    async def add(
        self, caller: Caller, pupil_id: UUID, declared_type: str | None, name: str | None, content: bytes
    ) -> AttachmentInfo:
        rules.check_size(len(content), self.max_bytes)
        kind = rules.media_type(declared_type, content)
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, for_update=True)
            if found.pupil.external is not None:  # no OKI-doc: the parents upload what a secondary school asks for
                if caller.role is not Role.PARENT:
                    raise Forbidden("the parents of a pupil from outside the region upload its files")
            elif not caller.writes_dossier(found.ref):
                raise Forbidden("only the primary school's own staff attach files to the OKI-doc")
            else:
                oki_doc.check_editable((await Pupils(uow.session).oki_doc(found.pupil)).status)
            store = AttachmentStore(uow.session)
            rules.check_count(await store.count(pupil_id))
            attachment = Attachment(
                pupil_id=pupil_id,
                file_name=rules.file_name(name, kind),
                media_type=kind,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
                uploaded_by=caller.subject,
                uploaded_at=uow.now,
            )
            store.add(attachment)
            uow.audit.record(
                caller, AuditAction.ATTACHMENT_ADDED, pupil_id, attachment=str(attachment.id), size=len(content)
            )
        return info(attachment)

    async def listed(self, caller: Caller, pupil_id: UUID) -> list[AttachmentInfo]:
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, as_secondary=True)
            read_by(uow, caller, found, part="attachments")
            return await AttachmentStore(uow.session).listed(pupil_id)

    async def download(self, caller: Caller, pupil_id: UUID, attachment_id: UUID) -> Attachment:
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, as_secondary=True)
            attachment = await AttachmentStore(uow.session).get(pupil_id, attachment_id)
            if attachment is None:
                raise NotFound("attachment not found")
            read_by(uow, caller, found, AuditAction.ATTACHMENT_READ, attachment=str(attachment_id))
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
