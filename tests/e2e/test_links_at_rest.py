"""A link that logs in is readable only in the mail: after dossier, identity and notificatie (real
processes, PostgreSQL, RabbitMQ, SMTP) mailed a parent's activation link and, once activated, a password
reset link, neither token is in clear in any table of identity's or notificatie's database, in the
journal, or in what a queue bound to every event of identity's saw on the bus."""

import asyncio
import re
from typing import Any

import aio_pika
import asyncpg
import httpx
from loket_test_support import activation_link, eventually, staff_token, text_of

from loket.contracts.topology import EVENTS_EXCHANGE, JOURNAL

PUPIL = {
    "given_name": "Sem",
    "family_name": "Jansen",
    "birth_date": "2014-05-02",
    "school_brin": "12AB01",
    "parent_email": "ouder.jansen@example.org",
}
PASSWORD = "correct horse battery"
ANSWERS = {"school": "12AB01", "birth_date": "02-05-2014", "password": PASSWORD, "password_repeat": PASSWORD}
RESET_LINK = re.compile(r"https?://\S+/reset/([A-Za-z0-9_\-]+)")


async def every_row_as_text(database_url: str) -> str:
    """Every row of every table of the database, each as PostgreSQL prints it (text, JSON, bytes as hex)."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await connection.fetch(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        rows = [await connection.fetch(f"SELECT t::text AS row FROM {table['name']} t") for table in tables]  # noqa: S608
    finally:
        await connection.close()
    assert len(tables) > 5, "no tables: the wrong database"
    return "\n".join(row["row"] for table in rows for row in table)


async def the_journal(broker_url: str) -> list[str]:
    """Every event the journal keeps, read from its start until it has nothing more for a few seconds."""
    bodies: list[str] = []
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=100)
        queue = await channel.get_queue(JOURNAL.name, ensure=True)
        async with queue.iterator(arguments={"x-stream-offset": "first"}) as messages:
            while True:
                try:
                    message = await asyncio.wait_for(anext(messages), timeout=3)
                except TimeoutError:
                    return bodies
                await message.ack()
                bodies.append(message.body.decode())


async def test_the_mailed_links_are_in_clear_nowhere_but_the_mail(start_services, smtp, broker_url, tmp_path):
    # anyone with broker access binding a queue of their own to identity's events
    spy = await aio_pika.connect(broker_url)
    channel = await spy.channel()
    seen = await channel.declare_queue(exclusive=True)
    await seen.bind(EVENTS_EXCHANGE.name, routing_key="identity.#")

    services = {}
    for name in ("identity", "dossier", "notificatie"):  # one at a time: each has its own minute to start
        services.update(await start_services(name))
    dossier, identity = services["dossier"].url, services["identity"].url
    async with httpx.AsyncClient() as client:
        teacher = {"Authorization": f"Bearer {staff_token(tmp_path / 'var', identity, school=PUPIL['school_brin'])}"}
        created = await client.post(f"{dossier}/pupils", json=PUPIL, headers=teacher)
        assert created.status_code == 201, created.text
        pupil_id, elk_number = created.json()["id"], created.json()["elk_number"]
        sent = await client.post(f"{dossier}/pupils/{pupil_id}/parent-login", headers=teacher)
        assert sent.status_code == 202, sent.text

        async def mails(n: int) -> list[Any]:
            found = smtp.inbox.to(PUPIL["parent_email"])
            return found if len(found) >= n else []

        link = activation_link((await eventually(lambda: mails(1), within=30, what="the activation mail"))[0])
        activated = await client.post(link, data=ANSWERS, headers={"Accept": "application/json"})
        assert activated.status_code == 200, activated.text
        asked = await client.post(f"{identity}/password-reset", json={"username": elk_number})
        assert asked.status_code == 202, asked.text
        reset_mail = (await eventually(lambda: mails(2), within=30, what="the reset mail"))[1]
        found = RESET_LINK.search(text_of(reset_mail))
        assert found, text_of(reset_mail)

        async def the_school_saw_the_mail_go_out() -> bool:
            read = await client.get(f"{dossier}/pupils/{pupil_id}", headers=teacher)
            return bool(read.json()["parent_logins"][0]["state"] == "activated")

        await eventually(the_school_saw_the_mail_go_out, within=30, what="identity to hear of the mail")

    tokens = {"activation": link.rsplit("/", 1)[1], "reset": found.group(1)}
    assert all(len(token) >= 43 for token in tokens.values())

    async def relayed() -> bool:  # the reset event and notificatie's reports of both mails have left
        rows = await every_row_as_text(services["identity"].database_url)
        return "identity.password_reset.issued" in rows and "notificatie.message.sent" in rows

    await eventually(relayed, within=30, what="identity to have published and heard everything")
    places = {name: await every_row_as_text(services[name].database_url) for name in ("identity", "notificatie")}
    places["the journal"] = "\n".join(await the_journal(broker_url))
    bus: list[str] = []
    keys: set[str] = set()
    while (message := await seen.get(fail=False, no_ack=True)) is not None:
        bus.append(message.body.decode())
        keys.add(str(message.routing_key))
    await spy.close()
    places["identity's events on the bus"] = "\n".join(bus)

    leaks = [(kind, place) for kind, token in tokens.items() for place, text in places.items() if token in text]
    assert leaks == []
    events = {key.rsplit(".", 1)[0] for key in keys}
    assert {"identity.activation.issued", "identity.password_reset.issued"} <= events  # the spy saw both
    assert "identity.parent_login.state_changed" in places["the journal"]  # the journal was read
