"""A pupil registered at the primary school becomes an activation mail to the first parent, and the
link in it works — across dossier, identity and notificatie over real RabbitMQ, PostgreSQL and SMTP."""

import httpx
from loket_test_support import activation_link, eventually, staff_token, text_of
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

PUPIL = {
    "given_name": "Noor",
    "family_name": "de Vries",
    "birth_date": "2014-03-09",
    "school_brin": "12AB01",
    "parent_email": "ouder.devries@example.org",
}


async def activation_mail_state(database_url: str, elk_number: str, expect: str | None = None) -> str | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT activation_mail, state FROM parent_account WHERE username = :u"), {"u": elk_number}
                )
            ).first()
    finally:
        await engine.dispose()
    state = None if row is None else f"{row.activation_mail}/{row.state}"
    return state if expect is None or state == expect else None


async def test_a_registered_pupil_gives_the_parent_an_activation_mail_with_a_working_link(
    start_services, smtp, tmp_path
):
    services = await start_services("dossier", "identity", "notificatie")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{services['identity'].url}/.well-known/jwks.json")).json()["keys"]
        teacher = staff_token(tmp_path / "var", services["identity"].url, school=PUPIL["school_brin"])
        created = await client.post(
            f"{services['dossier'].url}/pupils", json=PUPIL, headers={"Authorization": f"Bearer {teacher}"}
        )
        assert created.status_code == 201, created.text
        elk_number = created.json()["elk_number"]

        async def mail():  # type: ignore[no-untyped-def]
            return smtp.inbox.to(PUPIL["parent_email"])

        [message] = await eventually(mail, within=30, what="the activation mail")
        assert smtp.inbox.envelopes[0][1] == [PUPIL["parent_email"]]
        assert elk_number in text_of(message)
        assert "Noor" not in message.as_string()  # the mail needs no name, so the bus carried none
        link = activation_link(message)
        assert link.startswith(services["identity"].url + "/activate/")

        form = await client.get(link)
        assert form.status_code == 200
        assert form.headers["referrer-policy"] == "no-referrer"
        assert elk_number in form.text

        identity_db = services["identity"].database_url
        assert (
            await eventually(
                lambda: activation_mail_state(identity_db, elk_number, expect="sent/pending"),
                what="identity to record the mail as sent",
            )
            == "sent/pending"
        )

        activated = await client.post(
            link, data={"password": "correct horse battery", "password_repeat": "correct horse battery"}
        )
        assert activated.status_code == 200
        assert "geactiveerd" in activated.text
        assert await activation_mail_state(identity_db, elk_number) == "sent/activated"

        again = await client.post(link, data={"password": "another password!", "password_repeat": "another password!"})
        assert again.status_code == 410  # single use
