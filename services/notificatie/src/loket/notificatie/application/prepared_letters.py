"""Placement letters prepared for a moment: a school hands in its letters before the round's publication
moment; they are printed at once, in one batch (so a letter that cannot be printed is refused while
there is time to fix it), kept, and mailed when the moment comes — all of them then, none a second
earlier.

`send_due` runs every few seconds in each notificatie process (`Runtime.every`). It takes due letters
one at a time with `FOR UPDATE SKIP LOCKED`, so two processes never mail the same letter; each letter's
mail, its `message` row and its outcome event commit together. A refusal for now (4xx, no connection)
leaves the letter waiting with a later next attempt, as `sending.py` does with events; after the last
attempt, or a refusal for good, the letter is `failed`. Sent or failed, its fields and PDF are emptied:
the child's name is not kept longer than the letter needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlmodel import col, select

from loket.contracts.events import MessageFailed, MessageSent
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.notificatie.domain.messages import MessageState, retry_delay
from loket.notificatie.letter_mails import TEMPLATE, LetterMails, PlacementLetter, letter_of
from loket.notificatie.mailer import NotSent
from loket.notificatie.persistence.models import Message, PreparedLetter
from loket.notificatie.sending import about
from loket.notificatie.settings import NotificatieSettings

log = logging.getLogger(__name__)

MAIL_FIELDS = ("parent_name", "school_name", "case_reference")  # what the covering mail says


class TooLate(ValueError):
    """The moment has passed: such a letter is mailed at once (`POST /schools/{brin}/placement-letters`)."""


class AlreadySent(Exception):
    pass


@dataclass(frozen=True)
class Prepared:
    letter: PreparedLetter
    message: Message | None


class PreparedLetters:
    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        letter_mails: LetterMails,
        settings: NotificatieSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.letter_mails = letter_mails
        self.settings = settings
        self.clock = clock

    async def prepare(
        self, school_brin: str, send_at: datetime, letters: Sequence[PlacementLetter], prepared_by: str
    ) -> list[PreparedLetter]:
        """Print every letter now and keep them for `send_at`; a pupil's letter that waits already is
        replaced (the school corrects a letter by preparing it again). All or nothing: `InvalidLetter`."""
        if send_at <= self.clock():
            raise TooLate("send_at has passed; to mail a letter now, use POST /schools/{brin}/placement-letters")
        pdfs = await self.letter_mails.print([letter_of(letter) for letter in letters])
        now = self.clock()
        async with self.database.transaction() as session:
            pupils = [letter.pupil_id for letter in letters]
            waiting = select(PreparedLetter).where(
                PreparedLetter.school_brin == school_brin,
                col(PreparedLetter.pupil_id).in_(pupils),
                col(PreparedLetter.message_id).is_(None),
            )
            for replaced in (await session.exec(waiting)).all():
                await session.delete(replaced)
            prepared = [
                PreparedLetter(
                    pupil_id=letter.pupil_id,
                    school_brin=school_brin,
                    recipient=letter.recipient,
                    case_reference=str(letter.fields["case_reference"]),
                    send_at=send_at,
                    fields={name: str(letter.fields[name]) for name in MAIL_FIELDS},
                    pdf=pdf,
                    prepared_at=now,
                    prepared_by=prepared_by,
                )
                for letter, pdf in zip(letters, pdfs, strict=True)
            ]
            session.add_all(prepared)
        return prepared

    async def of_school(self, school_brin: str) -> list[Prepared]:
        async with self.database.transaction() as session:
            query = (
                select(PreparedLetter, Message)
                .outerjoin(Message, col(Message.id) == col(PreparedLetter.message_id))
                .where(PreparedLetter.school_brin == school_brin)
                .order_by(col(PreparedLetter.send_at), col(PreparedLetter.case_reference), col(PreparedLetter.id))
            )
            return [Prepared(letter, message) for letter, message in (await session.exec(query)).all()]

    async def withdraw(self, school_brin: str, letter_id: UUID) -> None:
        """Take back a letter that is still waiting; raises `LookupError` or `AlreadySent`."""
        async with self.database.transaction() as session:
            letter = await session.get(PreparedLetter, letter_id, with_for_update=not self.database.is_sqlite)
            if letter is None or letter.school_brin != school_brin:
                raise LookupError("no such prepared letter at this school")
            if letter.message_id is not None:
                raise AlreadySent("this letter was mailed already; its message shows how it fared")
            await session.delete(letter)

    async def send_due(self) -> int:
        """Mail every letter whose moment has come; the number of letters attempted."""
        attempted = 0
        while await self._send_one():
            attempted += 1
        if attempted:
            self.outbox.nudge()
            log.info("notificatie: %d prepared letters attempted", attempted)
        return attempted

    async def _send_one(self) -> bool:
        now = self.clock()
        async with self.database.transaction() as session:
            query = (
                select(PreparedLetter)
                .where(
                    col(PreparedLetter.message_id).is_(None),
                    col(PreparedLetter.send_at) <= now,
                    (col(PreparedLetter.next_attempt_at).is_(None)) | (col(PreparedLetter.next_attempt_at) <= now),
                )
                .order_by(col(PreparedLetter.send_at), col(PreparedLetter.id))
                .limit(1)
            )
            if not self.database.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            letter = (await session.exec(query)).one_or_none()
            if letter is None:
                return False
            assert letter.fields is not None and letter.pdf is not None
            letter.attempts += 1
            mail = self.letter_mails.compose(letter.recipient, letter.fields, letter.pdf)
            try:
                reply = await self.letter_mails.mailer.send(mail)
            except NotSent as refused:
                if not refused.permanent and letter.attempts < self.settings.send_attempts:
                    delay = retry_delay(letter.attempts, self.settings.retry_first_delay, self.settings.retry_delay_cap)
                    letter.next_attempt_at = now + timedelta(seconds=delay)
                    session.add(letter)
                    return True
                message = self._message(letter, now, MessageState.FAILED, refused.answer)
                session.add(message)
                await session.flush()
                reason = (
                    refused.answer
                    if refused.permanent
                    else f"{refused.answer} (gave up after {letter.attempts} attempts)"
                )
                outcome: MessageSent | MessageFailed = MessageFailed(**about(message), reason=reason)
            else:
                message = self._message(letter, now, MessageState.SENT, reply)
                session.add(message)
                await session.flush()
                outcome = MessageSent(**about(message), server_reply=reply)
            await self.outbox.put(session, outcome)
            letter.message_id, letter.fields, letter.pdf, letter.next_attempt_at = message.id, None, None, None
            session.add(letter)
        return True

    @staticmethod
    def _message(letter: PreparedLetter, now: datetime, state: MessageState, reply: str) -> Message:
        return Message(
            requested_by=letter.id,
            template=TEMPLATE,
            reference=letter.pupil_id,
            pupil_id=letter.pupil_id,
            recipient=letter.recipient,
            language="nl",
            state=state,
            attempts=letter.attempts,
            server_reply=reply,
            created_at=letter.prepared_at,
            sent_at=now if state == MessageState.SENT else None,
            failed_at=now if state == MessageState.FAILED else None,
        )
