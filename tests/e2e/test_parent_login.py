"""What goes wrong with a parent login, and how the school and the parent get past it, across dossier,
identity and notificatie over real RabbitMQ, PostgreSQL and SMTP: too many wrong answers lock the link
and the school sees it; the school sends the login again, which voids the earlier link; an expired
link says to ask the school; and an activated parent who forgot the password gets a reset mail."""

import re
from email.message import EmailMessage
from typing import Any

import httpx
from loket_test_support import activation_link, eventually, staff_token, text_of
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

PUPIL = {
    "given_name": "Daan",
    "family_name": "Bakker",
    "birth_date": "2014-07-21",
    "school_brin": "12AB01",
    "parent_email": "ouder.bakker@example.org",
}
PASSWORD = "correct horse battery"
ANSWERS = {"school": "12AB01", "birth_date": "21-07-2014", "password": PASSWORD, "password_repeat": PASSWORD}
WRONG = {**ANSWERS, "birth_date": "2014-07-12"}
RESET_LINK = re.compile(r"https?://\S+/reset/[A-Za-z0-9_\-]+")


async def expire_activation_links(database_url: str) -> None:
    """As if the link's days had passed (LOKET_IDENTITY_ACTIVATION_VALID_DAYS is at least one day)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE activation_token SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL")
            )
    finally:
        await engine.dispose()


async def test_a_locked_link_an_expired_link_a_second_request_and_a_forgotten_password(start_services, smtp, tmp_path):
    services = await start_services("dossier", "identity", "notificatie")
    dossier, identity = services["dossier"].url, services["identity"].url
    async with httpx.AsyncClient() as client:
        teacher = {"Authorization": f"Bearer {staff_token(tmp_path / 'var', identity, school=PUPIL['school_brin'])}"}
        created = await client.post(f"{dossier}/pupils", json=PUPIL, headers=teacher)
        assert created.status_code == 201, created.text
        pupil_id, elk_number = created.json()["id"], created.json()["elk_number"]

        async def send_login() -> None:
            sent = await client.post(f"{dossier}/pupils/{pupil_id}/parent-login", headers=teacher)
            assert sent.status_code == 202, sent.text

        async def mail_number(n: int) -> EmailMessage:
            async def arrived() -> list[EmailMessage]:
                mails = smtp.inbox.to(PUPIL["parent_email"])
                return mails if len(mails) >= n else []

            return (await eventually(arrived, within=30, what=f"mail {n}"))[n - 1]

        async def school_sees(state: str) -> None:
            async def seen() -> bool:
                read = await client.get(f"{dossier}/pupils/{pupil_id}", headers=teacher)
                return bool(read.json()["parent_logins"][0]["state"] == state)

            await eventually(seen, within=30, what=f"the school to see {state}")

        # Too many wrong answers lock the link, and the school is told.
        await send_login()
        first = activation_link(await mail_number(1))
        await school_sees("sent")
        for left in (4, 3, 2, 1):
            answer = await client.post(first, data=WRONG)
            assert answer.status_code == 422 and f"nog {left} keer" in answer.text
        locked = await client.post(first, data=WRONG)
        assert locked.status_code == 410 and "geblokkeerd" in locked.text
        assert (await client.post(first, data=ANSWERS)).status_code == 410  # right answers no longer help
        await school_sees("locked")

        # The school sends the login again: a new link, the locked one stays locked.
        await send_login()
        second = activation_link(await mail_number(2))
        assert second != first
        await school_sees("sent")
        assert (await client.get(first)).status_code == 410

        # A link that has expired says to ask the school for a new one.
        await expire_activation_links(services["identity"].database_url)
        expired = await client.post(second, data=ANSWERS)
        assert expired.status_code == 410 and "verlopen" in expired.text and "basisschool" in expired.text

        await send_login()
        third = activation_link(await mail_number(3))
        assert (await client.get(third)).status_code == 200
        activated = await client.post(third, data=ANSWERS, headers={"Accept": "application/json"})
        assert activated.status_code == 200, activated.text
        assert activated.json()["role"] == "parent"
        await school_sees("activated")

        # Forgotten password: a mail to the parent's address, asked for with the ELK number.
        asked = await client.post(f"{identity}/password-reset", json={"username": elk_number})
        assert asked.status_code == 202
        reset_mail = await mail_number(4)
        assert elk_number in text_of(reset_mail)
        found = RESET_LINK.search(text_of(reset_mail))
        assert found, text_of(reset_mail)
        reset = found.group(0)
        assert (await client.get(reset)).status_code == 200
        new_password = "herfst regen op het dak"
        done = await client.post(reset, data={"password": new_password, "password_repeat": new_password})
        assert done.status_code == 200, done.text

        async def log_in(password: str) -> Any:
            return await client.post(f"{identity}/login", json={"username": elk_number, "password": password})

        assert (await log_in(PASSWORD)).status_code == 401
        assert (await log_in(new_password)).status_code == 200
