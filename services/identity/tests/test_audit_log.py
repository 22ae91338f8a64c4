"""The audit log of security events can only grow, and it never holds a password, token, link or secret."""

import json
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from loket.contracts.tokens import Role

from .conftest import opened_link

SERVICE = "identity"
PASSWORD = "zomer-2026-fiets"  # what `identity.add_staff` gives everyone


async def test_the_audit_log_refuses_to_be_changed_or_emptied(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.log_in(teacher)
    await identity.log_in(teacher, "niet-het-wachtwoord")
    before = [(entry.id, entry.outcome) for entry in await identity.audit()]
    changes = ["UPDATE audit_event SET outcome = 'succeeded'", "DELETE FROM audit_event"]
    if not identity.runtime.database.is_sqlite:
        changes.append("TRUNCATE audit_event")

    for change in changes:
        with pytest.raises(DBAPIError, match="insert-only"):
            async with identity.runtime.database.transaction() as session:
                await session.execute(text(change))

    assert (
        [(entry.id, entry.outcome) for entry in await identity.audit()] == before == [(1, "succeeded"), (2, "failed")]
    )


async def test_no_password_token_link_or_secret_reaches_the_audit_log_or_the_service_log(identity, caplog):
    caplog.set_level(logging.INFO)  # production's level (aiosqlite's DEBUG lines carry parameters)
    caplog.set_level(logging.DEBUG, logger="loket")
    admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01")
    secrets = [PASSWORD, "Mijn-Wachtwoord-In-Het-Verkeerde-Veld"]

    enrol = await identity.log_in(admin)
    secrets.append(enrol.json()["totp_secret"])
    logged_in = await identity.log_in(admin, code=identity.phone.code(secrets[-1]))
    secrets += [logged_in.json()["access_token"], identity.client.cookies["loket_refresh"]]
    secrets += logged_in.json()["recovery_codes"]
    headers = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}
    await identity.client.post("/token")
    secrets.append(identity.client.cookies["loket_refresh"])
    await identity.client.post(
        "/staff", json={"email": "juf@school.example", "role": "school_user", "school": "12AB01"}, headers=headers
    )
    [invited] = await identity.outbox("identity.invitation.issued.v2")
    invitation = opened_link(invited)
    new_password = "herfst-2026-regen-en-wind"
    await identity.client.post(
        "/invitation/" + invitation.rsplit("/", 1)[1], data={"password": new_password, "password_repeat": new_password}
    )
    await identity.log_in(secrets[1], PASSWORD)  # a password typed as the username
    await identity.client.post("/password-reset", json={"username": "juf@school.example"})
    [reset] = await identity.outbox("identity.password_reset.issued.v2")
    secrets += [invitation.rsplit("/", 1)[1], opened_link(reset).rsplit("/", 1)[1], new_password]

    entries = [{key: str(value) for key, value in vars(entry).items()} for entry in await identity.audit()]
    service_log = [record.getMessage() for record in caplog.records if not record.name.startswith("httpx")]
    written = json.dumps(entries) + "\n".join(service_log)  # (httpx logs the test's own requests)

    assert [entry["action"] for entry in entries] == [
        "second_factor.enrolled",
        "second_factor.recovery_codes_issued",
        "login",
        "invitation.issued",
        "invitation.accepted",
        "login",
        "password_reset.requested",
    ]
    for secret in secrets:
        assert secret not in written
