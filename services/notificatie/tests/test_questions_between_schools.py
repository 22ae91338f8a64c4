"""Questions between schools: a secondary school's question reaches the primary school, and the answer
the school that asked, once each, at the contact address dossier last published for the school. The
mail says which school asks or answers, never the question, the answer or the pupil."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from loket_test_support import deliver, text_of
from notificatie_support import twice
from sqlmodel import select

from loket.contracts.envelope import new_envelope
from loket.contracts.events import InformationAnswered, InformationRequested, SchoolContactChanged
from loket.notificatie.persistence.models import Message

SERVICE = "notificatie"
PRIMARY, SECONDARY = "12AB01", "94AB00"
PUPIL = uuid4()


async def contact(runtime, brin: str, name: str, email: str | None, minutes: int = 0) -> None:  # type: ignore[no-untyped-def]
    changed = SchoolContactChanged(school_brin=brin, school_name=name, contact_email=email)
    at = datetime.now(UTC) - timedelta(hours=1) + timedelta(minutes=minutes)
    assert await deliver(runtime, changed, new_envelope(changed, region="demo").model_copy(update={"occurred_at": at}))


async def test_the_question_reaches_the_primary_school_and_the_answer_the_school_that_asked_once_each(
    notificatie, smtp
):
    await contact(notificatie, PRIMARY, "De Regenboog", "oud-adres@regenboog.example", minutes=0)
    await contact(notificatie, PRIMARY, "De Regenboog", "vragen@regenboog.example", minutes=2)
    await contact(notificatie, PRIMARY, "De Regenboog", "oud-adres@regenboog.example", minutes=1)  # late: ignored
    await contact(notificatie, SECONDARY, "Het Amstel Lyceum", "aanmelding@amstellyceum.example")
    question = uuid4()

    await twice(
        notificatie,
        InformationRequested(request_id=question, pupil_id=PUPIL, from_school_brin=SECONDARY, to_school_brin=PRIMARY),
    )
    await twice(
        notificatie,
        InformationAnswered(request_id=question, pupil_id=PUPIL, from_school_brin=SECONDARY, to_school_brin=PRIMARY),
    )

    [asked] = smtp.inbox.to("vragen@regenboog.example")
    assert asked["Subject"].strip() == "Vraag over een leerling van Het Amstel Lyceum (a question about a pupil)"
    assert "Het Amstel Lyceum (94AB00)" in text_of(asked) and "In English" in text_of(asked)
    [answer] = smtp.inbox.to("aanmelding@amstellyceum.example")
    assert answer["Subject"].strip() == "Antwoord van De Regenboog op uw vraag (an answer to your question)"
    assert "De Regenboog (12AB01) heeft uw vraag over een leerling beantwoord" in text_of(answer)
    assert smtp.inbox.to("oud-adres@regenboog.example") == []
    async with notificatie.database.transaction() as session:
        messages = (await session.exec(select(Message).where(Message.reference == question))).all()
    assert sorted((m.template, str(m.state), m.pupil_id) for m in messages) == [
        ("information_answered", "sent", PUPIL),
        ("information_requested", "sent", PUPIL),
    ]


async def test_a_school_without_a_contact_address_gets_no_mail_and_nothing_fails(notificatie, smtp):
    await contact(notificatie, PRIMARY, "De Regenboog", None)
    asked = InformationRequested(request_id=uuid4(), pupil_id=PUPIL, from_school_brin=SECONDARY, to_school_brin=PRIMARY)

    assert await deliver(notificatie, asked) is True  # handled: the question waits in dossier's list
    unknown = InformationAnswered(request_id=uuid4(), pupil_id=PUPIL, from_school_brin="77XX01", to_school_brin=PRIMARY)
    assert await deliver(notificatie, unknown) is True

    assert smtp.inbox.messages == []
