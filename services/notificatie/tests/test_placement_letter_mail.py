"""A school mails its placement letter: the parent gets one mail with the letter as a PDF that opens
and names the pupil; the school sees the message's state; nothing of the letter is kept."""

import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from loket_test_support import text_of
from notificatie_support import OWN_SCHOOL, World, world
from pypdf import PdfReader
from sqlalchemy import select
from sqlmodel import select as select_models

from loket.notificatie.persistence.models import Message, messaging

SERVICE = "notificatie"


def letter(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "pupil_id": str(world.noor),
        "recipient": "ouder.noor@example.org",
        "parent_name": "familie De Vries",
        "address": ["Kerkstraat 1", "2500 AB Den Haag"],
        "pupil_name": "Noor de Vries",
        "pupil_birth_date": "2014-03-09",
        "case_reference": "OT-4411",
        "school_name": "Lindeschool",
        "signatory_name": "J. Jansen",
        "signatory_role": "directeur",
        "letter_date": "2027-04-15",
        **changes,
    }


@pytest.fixture
async def the_world(migrated_database_url, smtp, token_authority) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    w = await world(migrated_database_url, smtp, token_authority)
    smtp.inbox.messages.clear()
    yield w
    await w.client.aclose()
    await w.runtime.database.dispose()


async def post(world: World, body: dict[str, Any], role: str = "school_admin", school: str = OWN_SCHOOL) -> Any:
    return await world.post(f"/schools/{school}/placement-letters", role, body)


async def test_the_parent_gets_the_letter_as_a_pdf_that_opens_and_names_the_pupil(the_world: World, smtp):
    answer = await post(the_world, letter(the_world))

    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "sent" and answer.json()["template"] == "placement_letter"
    [mail] = smtp.inbox.to("ouder.noor@example.org")
    assert "Plaatsingsaanbod van Lindeschool" in mail["Subject"] and "OT-4411" in text_of(mail)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_filename() == "plaatsingsaanbod.pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    said = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Noor de Vries" in said and "15 april 2027" in said and "9 maart 2014" in said
    assert "na de zomer te verwelkomen op de Lindeschool" in said  # the school's own template


async def test_the_school_sees_it_and_nothing_of_the_letter_is_kept(the_world: World):
    await post(the_world, letter(the_world))

    seen = await the_world.get("/messages", "school_admin", pupil=str(the_world.noor))
    assert [m["template"] for m in seen.json()["messages"]] == ["placement_letter", "parent_activation"]
    async with the_world.runtime.database.transaction() as session:
        rows = (await session.exec(select_models(Message))).all()
        events = (await session.execute(select(messaging.outbox))).all()
    assert "Noor de Vries" not in str([vars(row) for row in rows]) + str([event.body for event in events])
    assert events[-1].routing_key == "notificatie.message.sent.v1"


async def test_a_refused_address_is_recorded_as_failed(the_world: World, smtp):
    smtp.inbox.refuse_with = "550 5.1.1 mailbox unknown"
    answer = await post(the_world, letter(the_world, recipient="typfout@example.org"))
    assert answer.status_code == 201 and answer.json()["state"] == "failed"
    assert answer.json()["server_reply"] == "550 5.1.1 mailbox unknown"


async def test_a_mail_server_that_says_later_gets_503_and_nothing_is_recorded(the_world: World, smtp):
    smtp.inbox.refuse_with = "451 4.7.1 try again later"
    answer = await post(the_world, letter(the_world))
    assert answer.status_code == 503 and "451" in answer.json()["detail"] and answer.headers["Retry-After"]
    seen = await the_world.get("/messages", "school_admin", pupil=str(the_world.noor))
    assert [m["template"] for m in seen.json()["messages"]] == ["parent_activation"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"logo": "file:///etc/passwd"}, "logo must be a data:image"),
        ({"logo": "data:text/html;base64," + base64.b64encode(b"<b>").decode()}, "logo must be a data:image"),
        ({"reply_weeks": 0}, "reply_weeks"),
        ({"pupil_name": ""}, "pupil_name"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
async def test_a_letter_that_cannot_be_printed_gets_422_and_sends_nothing(the_world: World, smtp, change, says):
    answer = await post(the_world, letter(the_world, **change))
    assert answer.status_code == 422 and says in answer.text
    assert smtp.inbox.messages == []


async def test_a_pupil_of_another_school_is_not_found_and_gets_no_letter(the_world: World, smtp):
    answer = await post(the_world, letter(the_world, pupil_id=str(the_world.daan)))
    assert answer.status_code == 404 and smtp.inbox.messages == []
