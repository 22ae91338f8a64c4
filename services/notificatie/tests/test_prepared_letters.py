"""Placement letters prepared for the publication moment: the school hands them in ahead, they are
printed at once (a letter that cannot be printed is refused while there is time), and each parent gets
theirs when the moment comes — all then, none a second earlier, each once. Afterwards nothing of the
letter is kept but its message."""

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from loket_test_support import deliver, eventually, text_of
from notificatie_support import OWN_SCHOOL, World, settings, world
from pypdf import PdfReader
from sqlmodel import select

from loket.contracts.events import PupilRegistered
from loket.notificatie.app import build
from loket.notificatie.application.letter_mails import PlacementLetter
from loket.notificatie.application.prepared_letters import PreparedLetters
from loket.notificatie.http.letters import PlacementLetterIn, fields_of
from loket.notificatie.persistence.models import PreparedLetter

SERVICE = "notificatie"
MOMENT = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


def letter(pupil: Any, name: str, reference: str, **changes: Any) -> dict[str, Any]:
    return {
        "pupil_id": str(pupil),
        "recipient": f"ouder.{name.split()[0].lower()}@example.org",
        "parent_name": f"familie {name.split()[-1]}",
        "pupil_name": name,
        "pupil_birth_date": "2023-01-15",
        "case_reference": reference,
        "school_name": "Lindeschool",
        "signatory_name": "J. Jansen",
        "signatory_role": "directeur",
        **changes,
    }


@pytest.fixture
async def the_world(migrated_database_url, smtp, token_authority) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    w = await world(migrated_database_url, smtp, token_authority)
    smtp.inbox.messages.clear()
    yield w
    await w.client.aclose()
    await w.runtime.database.dispose()


def post(world: World, body: dict[str, Any], role: str = "school_admin") -> Any:
    return world.post(f"/schools/{OWN_SCHOOL}/prepared-letters", role, body)


def prepared_letters(world: World, now: datetime) -> PreparedLetters:
    """The service's own, with its clock at `now`."""
    letters: PreparedLetters = world.client._transport.app.state.prepared_letters  # type: ignore[attr-defined]
    letters.work = letters.work.with_clock(lambda: now)
    return letters


async def a_second_pupil(world: World) -> Any:
    sem = uuid4()
    registered = PupilRegistered(pupil_id=sem, elk_number="10002", school_brin=OWN_SCHOOL, parent_email="x@example.org")
    assert await deliver(world.runtime, registered)
    return sem


async def test_the_letters_are_mailed_at_the_moment_each_once_and_then_forgotten(the_world: World, smtp):
    sem = await a_second_pupil(the_world)
    body = {
        "send_at": MOMENT.isoformat(),
        "letters": [letter(the_world.noor, "Noor de Vries", "OT-1"), letter(sem, "Sem Jansen", "OT-2")],
    }
    answer = await post(the_world, body)
    assert answer.status_code == 201, answer.text
    assert [(one["case_reference"], one["state"]) for one in answer.json()] == [
        ("OT-1", "waiting"),
        ("OT-2", "waiting"),
    ]

    assert await prepared_letters(the_world, MOMENT - timedelta(seconds=1)).send_due() == 0
    assert smtp.inbox.messages == []  # a second before the moment: nothing

    assert await prepared_letters(the_world, MOMENT).send_due() == 2
    assert await prepared_letters(the_world, MOMENT + timedelta(minutes=1)).send_due() == 0  # once

    [to_noor] = smtp.inbox.to("ouder.noor@example.org")
    assert "Plaatsingsaanbod van Lindeschool" in to_noor["Subject"] and "OT-1" in text_of(to_noor)
    [attachment] = list(to_noor.iter_attachments())
    said = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert "Noor de Vries" in said and "Sem" not in said
    assert len(smtp.inbox.to("ouder.sem@example.org")) == 1
    listed = (await the_world.get(f"/schools/{OWN_SCHOOL}/prepared-letters", "school_admin")).json()
    assert [(one["state"], one["message"]["state"]) for one in listed] == [("sent", "sent"), ("sent", "sent")]
    status = await the_world.get("/messages", "school_admin", pupil=str(the_world.noor))
    assert [m["template"] for m in status.json()["messages"]] == ["placement_letter", "parent_activation"]
    async with the_world.runtime.database.transaction() as session:
        kept = (await session.exec(select(PreparedLetter))).all()
    assert [(row.fields, row.pdf) for row in kept] == [(None, None), (None, None)]  # no name kept


async def test_a_batch_with_one_bad_letter_keeps_none_and_says_which(the_world: World, smtp):
    good = letter(the_world.noor, "Noor de Vries", "OT-1")
    sem = letter(await a_second_pupil(the_world), "Sem Jansen", "OT-2")
    cases = {
        "a logo from the disk": [good, {**sem, "logo": "file:///etc/passwd"}],
        "a pupil of another school": [good, letter(the_world.daan, "Daan Smit", "OT-4")],
        "a pupil twice": [good, good],
    }
    answers = {
        what: await post(the_world, {"send_at": MOMENT.isoformat(), "letters": batch}) for what, batch in cases.items()
    }
    past = await post(the_world, {"send_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(), "letters": [good]})

    assert {what: answer.status_code for what, answer in answers.items()} == dict.fromkeys(cases, 422)
    assert "logo must be a data:image" in answers["a logo from the disk"].text
    assert answers["a pupil of another school"].json()["detail"][0]["loc"] == ["body", "letters", 1, "pupil_id"]
    assert "earlier in the list" in answers["a pupil twice"].json()["detail"][0]["msg"]
    assert past.status_code == 422 and past.json()["detail"][0]["loc"] == ["body", "send_at"]
    no_offset = await post(the_world, {"send_at": "2027-04-09T15:30:00", "letters": [good]})
    assert no_offset.status_code == 422  # a moment without its offset is ambiguous
    assert (await the_world.get(f"/schools/{OWN_SCHOOL}/prepared-letters", "school_admin")).json() == []
    assert await prepared_letters(the_world, MOMENT).send_due() == 0 and smtp.inbox.messages == []


async def test_preparing_again_replaces_a_waiting_letter_which_can_also_be_withdrawn(the_world: World, smtp):
    for reference in ("OT-1", "OT-1b"):
        body = {"send_at": MOMENT.isoformat(), "letters": [letter(the_world.noor, "Noor de Vries", reference)]}
        assert (await post(the_world, body)).status_code == 201
    [waiting] = (await the_world.get(f"/schools/{OWN_SCHOOL}/prepared-letters", "school_admin")).json()
    assert waiting["case_reference"] == "OT-1b"
    at = f"/schools/{OWN_SCHOOL}/prepared-letters/{waiting['id']}"

    assert (await the_world.delete(at, "school_admin")).status_code == 204
    assert (await the_world.delete(at, "school_admin")).status_code == 404
    assert await prepared_letters(the_world, MOMENT).send_due() == 0 and smtp.inbox.messages == []

    prepared_letters(the_world, datetime.now(UTC))  # the clock back: preparing checks the moment is ahead
    body = {"send_at": MOMENT.isoformat(), "letters": [letter(the_world.noor, "Noor de Vries", "OT-1c")]}
    [sent] = (await post(the_world, body)).json()
    assert await prepared_letters(the_world, MOMENT).send_due() == 1
    refused = await the_world.delete(f"/schools/{OWN_SCHOOL}/prepared-letters/{sent['id']}", "school_admin")
    assert refused.status_code == 409


async def test_a_mail_server_that_says_later_gets_the_letter_again_later(the_world: World, smtp):
    body = {"send_at": MOMENT.isoformat(), "letters": [letter(the_world.noor, "Noor de Vries", "OT-1")]}
    assert (await post(the_world, body)).status_code == 201
    smtp.inbox.refuse_next = ["451 4.7.1 try again later"]

    assert await prepared_letters(the_world, MOMENT).send_due() == 1
    [waiting] = (await the_world.get(f"/schools/{OWN_SCHOOL}/prepared-letters", "school_admin")).json()
    assert (waiting["state"], waiting["attempts"]) == ("waiting", 1) and smtp.inbox.messages == []
    assert await prepared_letters(the_world, MOMENT + timedelta(seconds=1)).send_due() == 0  # not yet again

    assert await prepared_letters(the_world, MOMENT + timedelta(hours=2)).send_due() == 1
    [sent] = (await the_world.get(f"/schools/{OWN_SCHOOL}/prepared-letters", "school_admin")).json()
    assert (sent["state"], sent["message"]["attempts"]) == ("sent", 2)
    assert len(smtp.inbox.to("ouder.noor@example.org")) == 1


async def test_a_running_notificatie_mails_them_when_the_moment_comes(
    migrated_database_url, smtp, token_authority, broker_url
):
    config = settings(migrated_database_url, smtp, token_authority).model_copy(
        update={"broker_url": broker_url, "letter_poll_interval": 0.2}
    )
    runtime, app = build(config)
    noor = uuid4()
    registered = PupilRegistered(
        pupil_id=noor, elk_number="10001", school_brin=OWN_SCHOOL, parent_email="x@example.org"
    )
    assert await deliver(runtime, registered)
    moment = datetime.now(UTC) + timedelta(seconds=2)
    given = PlacementLetterIn.model_validate(letter(noor, "Noor de Vries", "OT-9"))
    prepared = PlacementLetter(noor, OWN_SCHOOL, str(given.recipient), fields_of(given))
    await app.state.prepared_letters.prepare(OWN_SCHOOL, moment, [prepared], "test")
    await runtime.start()
    try:
        [mail] = await eventually(lambda: _mails(smtp, "ouder.noor@example.org"), within=30, what="the letter")
        assert datetime.now(UTC) >= moment and "OT-9" in text_of(mail)
    finally:
        await runtime.stop()


async def _mails(smtp: Any, address: str) -> list[Any]:
    return smtp.inbox.to(address)


async def test_a_secondary_school_prepares_letters_for_the_pupils_registered_with_it(the_world):
    lyceum = "94AB00"
    the_world.recorded.received[lyceum] = [the_world.noor]
    admin = the_world.authority.mint(role="school_admin", scope={"schools": [lyceum]})
    headers = {"Authorization": f"Bearer {admin}"}
    path = f"/schools/{lyceum}/prepared-letters"

    own = {"send_at": MOMENT.isoformat(), "letters": [letter(the_world.noor, "Noor de Vries", "K-1")]}
    other = {"send_at": MOMENT.isoformat(), "letters": [letter(the_world.daan, "Daan Bakker", "K-2")]}
    prepared = await the_world.client.post(path, headers=headers, json=own)
    refused = await the_world.client.post(path, headers=headers, json=other)

    assert prepared.status_code == 201 and prepared.json()[0]["pupil_id"] == str(the_world.noor)
    assert refused.status_code == 422
    assert (f"http://aanmelding.test/schools/{lyceum}/registrations", f"Bearer {admin}") in the_world.recorded.asked
    listed = (await the_world.client.get(path, headers=headers)).json()
    assert [one["state"] for one in listed] == ["waiting"]
