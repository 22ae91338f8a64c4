"""A school's staff see how the messages about their pupils fared: queued, sent or failed with the mail
server's answer; the template, the times and the recipient's address, and nothing else."""

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from loket_test_support import deliver
from notificatie_support import LINK, OWN_SCHOOL, World, activation, world
from sqlmodel import select

from loket.contracts.events import PupilRegistered
from loket.notificatie.persistence.models import Pupil

SERVICE = "notificatie"
SHOWN = {
    "id",
    "pupil_id",
    "template",
    "state",
    "recipient",
    "attempts",
    "server_reply",
    "created_at",
    "next_attempt_at",
    "sent_at",
    "failed_at",
}


@pytest.fixture
async def the_world(migrated_database_url, smtp, token_authority) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    w = await world(migrated_database_url, smtp, token_authority)
    yield w
    await w.client.aclose()
    await w.runtime.database.dispose()


async def test_the_school_sees_the_state_template_time_and_address_of_its_pupils_messages(the_world: World):
    answer = await the_world.get(f"/schools/{OWN_SCHOOL}/messages", "school_admin")

    assert answer.status_code == 200
    [message] = answer.json()["messages"]  # not the other school's pupil, not the staff invitation
    assert set(message) == SHOWN
    assert message["pupil_id"] == str(the_world.noor) and message["template"] == "parent_activation"
    assert message["state"] == "sent" and message["server_reply"].startswith("250") and message["attempts"] == 1
    assert message["recipient"] == "ouder.noor@example.org" and message["sent_at"] is not None
    assert LINK not in answer.text and "10001" not in answer.text


async def test_a_refused_mail_shows_as_failed_with_the_servers_answer(the_world: World, smtp):
    smtp.inbox.refuse_with = "550 5.1.1 mailbox unknown"
    await deliver(the_world.runtime, activation(the_world.noor, "typfout@example.org"))

    failed = await the_world.get(f"/schools/{OWN_SCHOOL}/messages", "school_user_no_group", state="failed")
    [message] = failed.json()["messages"]
    assert (message["state"], message["recipient"]) == ("failed", "typfout@example.org")
    assert message["server_reply"] == "550 5.1.1 mailbox unknown" and message["failed_at"] is not None

    both = await the_world.get("/messages", "school_admin", pupil=str(the_world.noor))
    assert [m["state"] for m in both.json()["messages"]] == ["failed", "sent"]  # newest first


async def test_a_pupil_nobody_registered_is_not_found_even_for_the_region(the_world: World):
    answer = await the_world.get("/messages", "region_admin", pupil=str(uuid4()))
    assert answer.status_code == 404


async def test_without_a_pupil_the_question_is_refused_and_says_why(the_world: World):
    answer = await the_world.get("/messages", "school_admin")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "pupil"]


async def test_of_a_registration_only_the_pupils_school_is_kept(the_world: World):
    pupil = uuid4()
    registered = PupilRegistered(pupil_id=pupil, elk_number="10077", school_brin="56EF03", parent_email="p@example.org")
    await deliver(the_world.runtime, registered)
    await deliver(the_world.runtime, registered.model_copy(update={"school_brin": "78GH04"}))  # dossier says again

    async with the_world.runtime.database.transaction() as session:
        kept = (await session.exec(select(Pupil).where(Pupil.id == pupil))).one()
    assert set(Pupil.model_fields) == {"id", "school_brin", "registered_at"}
    assert kept.school_brin == "78GH04"
