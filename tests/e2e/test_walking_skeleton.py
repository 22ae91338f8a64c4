"""A pupil registered at the primary school mails nobody; when the school sends the parent login, the
parent gets an activation mail, answers the school and the birth date, chooses a password and is
logged in — and the school sees the dot go from white to blue to green. Across dossier, identity and
notificatie over real RabbitMQ, PostgreSQL and SMTP."""

from typing import Any

import httpx
from loket_test_support import activation_link, eventually, staff_token, text_of

PUPIL = {
    "given_name": "Noor",
    "family_name": "de Vries",
    "birth_date": "2014-03-09",
    "school_brin": "12AB01",
    "parent_email": "ouder.devries@example.org",
}
PASSWORD = "correct horse battery"
ANSWERS = {"school": "12AB01", "birth_date": "2014-03-09", "password": PASSWORD, "password_repeat": PASSWORD}


async def dot(client: httpx.AsyncClient, dossier: str, pupil_id: str, headers: dict[str, str]) -> dict[str, Any]:
    read = await client.get(f"{dossier}/pupils/{pupil_id}", headers=headers)
    assert read.status_code == 200, read.text
    [first_parent] = read.json()["parent_logins"]
    return dict(first_parent)


async def test_the_school_sends_the_parent_login_and_the_parent_activates_it_and_logs_in(
    start_services, smtp, tmp_path
):
    services = await start_services("dossier", "identity", "notificatie")
    dossier, identity = services["dossier"].url, services["identity"].url
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{identity}/.well-known/jwks.json")).json()["keys"]
        teacher = {"Authorization": f"Bearer {staff_token(tmp_path / 'var', identity, school=PUPIL['school_brin'])}"}
        created = await client.post(f"{dossier}/pupils", json=PUPIL, headers=teacher)
        assert created.status_code == 201, created.text
        pupil_id, elk_number = created.json()["id"], created.json()["elk_number"]

        async def identity_has_seen_the_pupil() -> dict[str, Any] | None:
            found = await dot(client, dossier, pupil_id, teacher)
            return found if found["changed_at"] is not None else None

        white = await eventually(identity_has_seen_the_pupil, within=30, what="identity's white dot")
        assert white["state"] == "not_sent" and white["requested_at"] is None
        assert smtp.inbox.messages == []  # registering a pupil mails nobody

        sent = await client.post(f"{dossier}/pupils/{pupil_id}/parent-login", json={"parent": 1}, headers=teacher)
        assert sent.status_code == 202, sent.text

        async def mail():  # type: ignore[no-untyped-def]
            return smtp.inbox.to(PUPIL["parent_email"])

        [message] = await eventually(mail, within=30, what="the activation mail")
        assert smtp.inbox.envelopes[0][1] == [PUPIL["parent_email"]]
        assert elk_number in text_of(message)
        assert "Noor" not in message.as_string() and "2014-03-09" not in message.as_string()
        link = activation_link(message)
        assert link.startswith(identity + "/activate/")

        for _ in range(2):  # a mail scanner, then the parent: opening the link uses nothing up
            form = await client.get(link)
            assert form.status_code == 200
            assert form.headers["referrer-policy"] == "no-referrer"
            assert elk_number in form.text and 'value="12AB01"' in form.text

        async def blue() -> bool:
            return (await dot(client, dossier, pupil_id, teacher))["state"] == "sent"

        await eventually(blue, within=30, what="the school to see the blue dot")

        wrong = await client.post(link, data={**ANSWERS, "birth_date": "2014-09-03"})
        assert wrong.status_code == 422 and "nog 4 keer" in wrong.text

        activated = await client.post(link, data=ANSWERS)
        assert activated.status_code == 200, activated.text
        assert "geactiveerd" in activated.text and "ingelogd" in activated.text

        logged_in = await client.post(f"{identity}/token")  # the session the activation started
        assert logged_in.status_code == 200, logged_in.text
        assert logged_in.json()["role"] == "parent"
        parent = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}
        own_child = await client.get(f"{dossier}/pupils/{pupil_id}", headers=parent)
        assert own_child.status_code == 200 and own_child.json()["elk_number"] == elk_number

        async def green() -> bool:
            return (await dot(client, dossier, pupil_id, teacher))["state"] == "activated"

        await eventually(green, within=30, what="the school to see the green dot")

        again = await client.post(link, data=ANSWERS)
        assert again.status_code == 410 and "al gebruikt" in again.text  # single use
        refused = await client.post(f"{dossier}/pupils/{pupil_id}/parent-login", json={}, headers=teacher)
        assert refused.status_code == 409  # an activated login is not sent again

        assert (await client.post(f"{identity}/logout")).status_code == 204
        assert (await client.post(f"{identity}/token")).status_code == 401

        login = await client.post(f"{identity}/login", json={"username": elk_number, "password": PASSWORD})
        assert login.status_code == 200, login.text
        assert login.json()["role"] == "parent"
        again_parent = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert (await client.get(f"{dossier}/pupils/{pupil_id}", headers=again_parent)).status_code == 200
