"""The first region administrator, from the command line to the first login, over real RabbitMQ,
PostgreSQL and SMTP: `loket-identity invite-admin` → identity.invitation.issued.v2 → notificatie
mails the link → the administrator chooses a password → logs in, enrolling TOTP on the way."""

import asyncio
import re

import httpx
import pyotp
from loket_test_support import create_database, drop_database, eventually, text_of

from loket.contracts.runtime.migrations import upgrade
from loket.contracts.tokens import Role
from loket.identity.__main__ import main as identity_cli
from loket.identity.app import build as build_identity
from loket.identity.settings import IdentitySettings
from loket.notificatie.app import build as build_notificatie
from loket.notificatie.settings import NotificatieSettings

SERVICE = "identity"
PUBLIC_URL = "https://loket.example"
INVITATION_LINK = re.compile(r"https://loket\.example(/invitation/[A-Za-z0-9_\-]+)")
PASSWORD = "lente-2027-tulpen"


async def test_the_first_administrator_is_invited_from_the_command_line_and_logs_in_with_totp(
    database_url, broker_url, smtp, tmp_path, monkeypatch, capsys
):
    mail_database, mail_database_url = await create_database()
    await asyncio.to_thread(upgrade, "loket.identity", database_url)
    await asyncio.to_thread(upgrade, "loket.notificatie", mail_database_url)
    keys = tmp_path / "identity-keys"
    identity, app = build_identity(
        IdentitySettings(
            LOKET_IDENTITY_DATABASE_URL=database_url,
            LOKET_IDENTITY_PUBLIC_URL=PUBLIC_URL,
            LOKET_IDENTITY_KEYS_DIR=keys,
            broker_url=broker_url,
            relay_poll_interval=0.2,
        )
    )
    notificatie, _ = build_notificatie(
        NotificatieSettings(
            LOKET_NOTIFICATIE_DATABASE_URL=mail_database_url,
            LOKET_NOTIFICATIE_SMTP_PORT=smtp.port,
            broker_url=broker_url,
            relay_poll_interval=0.2,
        )
    )
    await identity.start()
    await notificatie.start()
    try:
        # the operator, on the command line of an identity replica
        for name, value in {
            "LOKET_IDENTITY_DATABASE_URL": database_url,
            "LOKET_IDENTITY_PUBLIC_URL": PUBLIC_URL,
            "LOKET_IDENTITY_KEYS_DIR": str(keys),
            "LOKET_BROKER_URL": broker_url,
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr("loket.contracts.runtime.cli.configure_logging", lambda *_: None)  # keep pytest's logging
        await asyncio.to_thread(identity_cli, ["invite-admin", "Regio@Loket.example"])
        assert "invited regio@loket.example as region administrator" in capsys.readouterr().out

        [mail] = await eventually(lambda: _mails(smtp, "regio@loket.example"), what="the invitation mail")
        body = text_of(mail)
        assert "regiobeheerder" in body and "Uw gebruikersnaam is uw e-mailadres: regio@loket.example" in body
        found = INVITATION_LINK.search(body)
        assert found, body
        link = found.group(1)

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="https://identity") as browser:
            assert (await browser.get(link)).status_code == 200  # opening the link uses nothing up
            chosen = await browser.post(link, data={"password": PASSWORD, "password_repeat": PASSWORD})
            assert chosen.status_code == 200, chosen.text

            credentials = {"username": "regio@loket.example", "password": PASSWORD}
            enrol = await browser.post("/login", json=credentials)
            assert enrol.status_code == 401 and enrol.json()["second_factor"] == "enrolment_required"
            code = pyotp.TOTP(enrol.json()["totp_secret"]).now()  # the administrator's authenticator app
            logged_in = await browser.post("/login", json={**credentials, "totp_code": code})
            assert logged_in.status_code == 200, logged_in.text
            claims = await app.state.token_issuer.verifier().verify(logged_in.json()["access_token"])
            assert claims.role == Role.REGION_ADMIN

            async def invitation_mail_state() -> str | None:
                listed = await browser.get(
                    "/staff", headers={"Authorization": f"Bearer {logged_in.json()['access_token']}"}
                )
                state = listed.json()[0]["invitation_mail"]
                return state if state != "not_sent" else None

            assert await eventually(invitation_mail_state, what="notificatie's report on the mail") == "sent"
    finally:
        await notificatie.stop()
        await identity.stop()
        await drop_database(mail_database)


async def _mails(smtp, address):  # type: ignore[no-untyped-def]
    return smtp.inbox.to(address)
