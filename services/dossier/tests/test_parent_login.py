"""Ouderinlog versturen: registering a pupil mails nobody; the pupil's own school sends one parent the
login, one pupil at a time, with what identity needs and nothing more; identity's reports colour the
dot the school sees on the pupil (the newest revision wins); an activated login is not sent again,
and a second parent's only where identity offers one."""

from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest
from dossier_support import OWN_SCHOOL, Dossier, organisation, pupil, register
from loket_test_support import deliver
from sqlalchemy import select

from loket.contracts.envelope import new_envelope
from loket.contracts.events import ParentLoginStateChanged
from loket.dossier.persistence.models import messaging

SERVICE = "dossier"


@pytest.fixture
async def noor(dossier: Dossier) -> str:
    await organisation(dossier)
    return await register(dossier, {**pupil("Noor", "de Vries", group="8a"), "bsn": "111222333"})


async def events(dossier: Dossier, kind: str | None = None) -> list[dict[str, Any]]:
    async with dossier.runtime.database.transaction() as session:
        rows = (await session.execute(select(messaging.outbox.c.body).order_by(messaging.outbox.c.seq))).scalars()
        return [body for body in rows if kind is None or body["type"] == kind]


async def identity_says(dossier: Dossier, pupil_id: str, state: str, revision: int, parent: int = 1) -> None:
    changed = ParentLoginStateChanged(pupil_id=pupil_id, parent=parent, state=state, revision=revision)  # type: ignore[arg-type]
    await deliver(dossier.runtime, changed, new_envelope(changed, region="demo"))


async def dots(dossier: Dossier, pupil_id: str, caller: dict[str, str] | None = None) -> list[tuple[int, str]]:
    read = await dossier.call("GET", f"/pupils/{pupil_id}", caller or dossier.school_admin())
    return [(login["parent"], login["state"]) for login in read.json()["parent_logins"]]


async def send(dossier: Dossier, pupil_id: str, caller: dict[str, str] | None = None, **body: Any):  # type: ignore[no-untyped-def]
    teacher = caller or dossier.school_user(groups=("8a",))
    return await dossier.call("POST", f"/pupils/{pupil_id}/parent-login", teacher, json=body or None)


async def test_registering_a_pupil_mails_nobody_and_shows_a_white_dot(dossier: Dossier, noor):
    about_noor = [event["type"] for event in await events(dossier) if event["payload"].get("pupil_id") == noor]
    assert about_noor == ["dossier.pupil.registered", "dossier.pupil.group_changed"]  # no login asked for
    read = (await dossier.call("GET", f"/pupils/{noor}", dossier.school_admin())).json()
    assert read["parent_logins"] == [{"parent": 1, "state": "not_sent", "changed_at": None, "requested_at": None}]


async def test_the_school_sends_the_login_with_what_identity_needs_and_nothing_more(dossier: Dossier, noor):
    sent = await send(dossier, noor)

    assert sent.status_code == 202, sent.text
    assert sent.json()["state"] == "not_sent" and sent.json()["requested_at"] is not None
    [requested] = await events(dossier, "dossier.parent_login.requested")
    assert requested["payload"] == {
        "pupil_id": noor,
        "parent": 1,
        "elk_number": "10001",
        "school_brin": OWN_SCHOOL,
        "school_name": f"School {OWN_SCHOOL}",
        "birth_date": "2014-03-09",
        "parent_email": "ouder.noor@example.org",
        "language": "nl",
    }
    assert "111222333" not in str(requested) and "Noor" not in str(requested)
    trail = (await dossier.call("GET", f"/pupils/{noor}/audit", dossier.school_admin())).json()
    [entry] = [entry for entry in trail if entry["action"] == "parent_login.sent"]
    assert (entry["actor"], entry["detail"]) == ("school_user-1", {"parent": 1})


async def test_the_school_chooses_the_language_of_the_mail(dossier: Dossier, noor):
    assert (await send(dossier, noor, language="en")).status_code == 202
    [requested] = await events(dossier, "dossier.parent_login.requested")
    assert requested["payload"]["language"] == "en"
    assert (await send(dossier, noor, language="tr")).status_code == 422


async def test_identitys_reports_colour_the_dot_in_the_dossier_and_the_list(dossier: Dossier, noor):
    await send(dossier, noor)
    await identity_says(dossier, noor, "sent", 1)
    assert await dots(dossier, noor) == [(1, "sent")]

    await identity_says(dossier, noor, "activated", 3)
    await identity_says(dossier, noor, "locked", 2)  # older, arriving late: it changes nothing
    await identity_says(dossier, noor, "not_sent", 0)

    assert await dots(dossier, noor) == [(1, "activated")]
    listed = (await dossier.call("GET", "/pupils", dossier.school_admin())).json()
    assert [login["state"] for login in listed[0]["parent_logins"]] == ["activated"]
    assert listed[0]["parent_logins"][0]["changed_at"] is not None


async def test_an_activated_login_is_not_sent_again(dossier: Dossier, noor):
    await identity_says(dossier, noor, "activated", 2)
    refused = await send(dossier, noor)
    assert refused.status_code == 409 and "al geactiveerd" in refused.json()["detail"]
    assert "wachtwoord vergeten" in refused.json()["detail"]
    assert await events(dossier, "dossier.parent_login.requested") == []


@pytest.mark.parametrize("state", ["not_sent", "sent", "failed", "locked"])
async def test_a_login_that_was_not_activated_may_be_sent_again(dossier: Dossier, noor, state):
    await send(dossier, noor)
    await identity_says(dossier, noor, state, 1)
    assert (await send(dossier, noor)).status_code == 202
    assert len(await events(dossier, "dossier.parent_login.requested")) == 2


async def test_a_second_parent_only_where_identity_offers_one(dossier: Dossier, noor):
    refused = await send(dossier, noor, parent=2)
    assert refused.status_code == 409 and "één ouderinlog per leerling" in refused.json()["detail"]

    await identity_says(dossier, noor, "not_sent", 0, parent=2)  # the region allows a second parent
    assert await dots(dossier, noor) == [(1, "not_sent"), (2, "not_sent")]
    no_address = await send(dossier, noor, parent=2)
    assert no_address.status_code == 422 and no_address.json()["detail"][0]["loc"] == ["body", "parents", "1", "email"]

    parents = [{"email": "ouder.noor@example.org"}, {"name": "Sam de Vries", "email": "sam@example.org"}]
    assert (
        await dossier.call("PATCH", f"/pupils/{noor}", dossier.school_admin(), json={"parents": parents})
    ).status_code == 200
    assert (await send(dossier, noor, parent=2)).status_code == 202
    [requested] = await events(dossier, "dossier.parent_login.requested")
    assert (requested["payload"]["parent"], requested["payload"]["parent_email"]) == (2, "sam@example.org")


async def test_a_parent_does_not_see_the_parent_logins(dossier: Dossier, noor):
    assert await dots(dossier, noor, dossier.parent(noor)) == []


async def test_a_report_about_a_pupil_dossier_does_not_know_is_ignored(dossier: Dossier, noor):
    await identity_says(dossier, str(uuid4()), "sent", 1)
    assert await dots(dossier, noor) == [(1, "not_sent")]


async def test_the_report_is_handled_once(dossier: Dossier, noor):
    changed = ParentLoginStateChanged(pupil_id=noor, parent=1, state="sent", revision=1)  # type: ignore[arg-type]
    envelope = new_envelope(changed, region="demo")
    assert await deliver(dossier.runtime, changed, envelope) is True
    assert await deliver(dossier.runtime, changed, envelope) is False
    read = (await dossier.call("GET", f"/pupils/{noor}", dossier.school_admin())).json()
    [login] = read["parent_logins"]
    assert login["state"] == "sent"
    assert datetime.fromisoformat(login["changed_at"]) == envelope.occurred_at  # when identity saw it change
