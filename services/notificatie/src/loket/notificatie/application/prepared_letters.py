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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from loket.contracts.errors import Conflict, Invalid, NotFound, Where
from loket.contracts.events import MessageFailed, MessageSent
from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
from loket.contracts.tokens import Claims
from loket.notificatie.adapters.letters.printing import Printing
from loket.notificatie.adapters.mailer import NotSent
from loket.notificatie.adapters.records import Records
from loket.notificatie.application.letter_mails import TEMPLATE, LetterMails, PlacementLetter, printed
from loket.notificatie.application.sending import about
from loket.notificatie.domain.access import letters_of_school
from loket.notificatie.domain.messages import MessageState, retry_delay
from loket.notificatie.persistence.letters import Letters
from loket.notificatie.persistence.models import Message, PreparedLetter
from loket.notificatie.persistence.recipients import Recipients
from loket.notificatie.settings import NotificatieSettings

log = logging.getLogger(__name__)

MAIL_FIELDS = ("parent_name", "school_name", "case_reference")  # what the covering mail says


@dataclass(frozen=True)
class Prepared:
    letter: PreparedLetter
    message: Message | None


class PreparedLetters:
    def __init__(
        self,
        work: Work[Any],
        letter_mails: LetterMails,
        printing: Printing,
        records: Records,
        settings: NotificatieSettings,
    ) -> None:
        self.work = work
        self.letter_mails = letter_mails
        self.printing = printing
        self.records = records
        self.settings = settings

    async def hand_in(
        self,
        claims: Claims,
        school_brin: str,
        send_at: datetime,
        letters: Sequence[PlacementLetter],
        authorization: str,
    ) -> list[PreparedLetter]:
        """For the school itself: its letters for pupils of its own (a primary school), or pupils whose
        registrations it received or was given by the lottery, as aanmelding answers the caller (a
        secondary school). All or nothing: a pupil not of this school, or twice, is `Invalid`."""
        letters_of_school(claims, school_brin).enforce("school")
        async with self.work() as uow:
            await self._only_pupils_of(uow, school_brin, letters, authorization)
            return await self._prepare(uow, school_brin, send_at, letters, claims.sub)

    async def prepare(
        self, school_brin: str, send_at: datetime, letters: Sequence[PlacementLetter], prepared_by: str
    ) -> list[PreparedLetter]:
        """Print every letter now and keep them for `send_at`, without asking whose pupils they are."""
        async with self.work() as uow:
            return await self._prepare(uow, school_brin, send_at, letters, prepared_by)

    async def _only_pupils_of(
        self, uow: UnitOfWork[Any], school_brin: str, letters: Sequence[PlacementLetter], authorization: str
    ) -> None:
        schools = await Recipients(uow.session).schools_of(letter.pupil_id for letter in letters)
        received: set[UUID] = set()
        if any(schools.get(letter.pupil_id) != school_brin for letter in letters):
            received = await self.records.received_by(school_brin, authorization)
        problems, seen = [], set()
        for number, letter in enumerate(letters):
            where = f"letters.{number}.pupil_id"
            if schools.get(letter.pupil_id) != school_brin and letter.pupil_id not in received:
                problems.append(Where(where, "no pupil of this school has this id"))
            elif letter.pupil_id in seen:
                problems.append(Where(where, "this pupil has a letter earlier in the list"))
            seen.add(letter.pupil_id)
        if problems:
            raise Invalid(problems)

    async def _prepare(
        self,
        uow: UnitOfWork[Any],
        school_brin: str,
        send_at: datetime,
        letters: Sequence[PlacementLetter],
        prepared_by: str,
    ) -> list[PreparedLetter]:
        """A pupil's letter that waits already is replaced (the school corrects a letter by preparing it
        again). All or nothing: `UnprintableLetter`."""
        if send_at <= uow.now:
            raise Invalid(
                "send_at", "send_at has passed; to mail a letter now, use POST /schools/{brin}/placement-letters"
            )
        pdfs = await printed(self.printing, letters)
        now = uow.now
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
        await Letters(uow.session).replace_waiting(school_brin, [letter.pupil_id for letter in letters], prepared)
        return prepared

    async def of_school(self, claims: Claims, school_brin: str) -> list[Prepared]:
        """The school's prepared letters: waiting for their moment, or mailed (with the message's state)."""
        letters_of_school(claims, school_brin).enforce("school")
        async with self.work() as uow:
            return [Prepared(letter, message) for letter, message in await Letters(uow.session).of_school(school_brin)]

    async def withdraw(self, claims: Claims, school_brin: str, letter_id: UUID) -> None:
        """Take back a letter that is still waiting for its moment."""
        letters_of_school(claims, school_brin).enforce("school")
        async with self.work() as uow:
            letters = Letters(uow.session)
            letter = await letters.locked(letter_id)
            if letter is None or letter.school_brin != school_brin:
                raise NotFound("no such prepared letter at this school")
            if letter.message_id is not None:
                raise Conflict("this letter was mailed already; its message shows how it fared")
            await letters.remove(letter)

    async def send_due(self) -> int:
        """Mail every letter whose moment has come, each in a unit of work of its own; the number attempted."""
        attempted = 0
        while await self._send_one():
            attempted += 1
        if attempted:
            log.info("notificatie: %d prepared letters attempted", attempted)
        return attempted

    async def _send_one(self) -> bool:
        async with self.work() as uow:
            now = uow.now
            letters = Letters(uow.session)
            letter = await letters.next_due(now)
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
                    await letters.save(letter)
                    return True
                message = _message(letter, now, MessageState.FAILED, refused.answer)
                reason = (
                    refused.answer
                    if refused.permanent
                    else f"{refused.answer} (gave up after {letter.attempts} attempts)"
                )
                outcome: MessageSent | MessageFailed = MessageFailed(**about(message), reason=reason)
            else:
                message = _message(letter, now, MessageState.SENT, reply)
                outcome = MessageSent(**about(message), server_reply=reply)
            await letters.done(letter, message)
            await uow.emit(outcome)
        return True


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
