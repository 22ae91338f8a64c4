"""A secondary school's access to a pupil's dossier, over real RabbitMQ and PostgreSQL: aanmelding's
outbox publishes the registration (as aanmelding will, issue 6) → dossier opens the pupil to the
secondary school → the school asks a question → dossier.information.requested.v1 reaches notificatie →
aanmelding publishes the withdrawal → the school reads nothing any more."""

import asyncio
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx
from dossier_support import PDF, SECONDARY_SCHOOL, Dossier, pupil, register
from loket_test_support import create_database, drop_database, eventually
from sqlalchemy import select

from loket.aanmelding.app import build as build_aanmelding
from loket.aanmelding.settings import AanmeldingSettings
from loket.contracts.events import RegistrationSubmitted, RegistrationWithdrawn
from loket.contracts.runtime.migrations import upgrade
from loket.dossier.adapters.bsn import new_key
from loket.dossier.app import build as build_dossier
from loket.dossier.settings import DossierSettings
from loket.notificatie.app import build as build_notificatie
from loket.notificatie.persistence.models import messaging as notificatie_messaging
from loket.notificatie.settings import NotificatieSettings

SERVICE = "dossier"


async def test_a_registration_on_the_bus_opens_and_its_withdrawal_closes_the_dossier_to_the_vo(
    database_url, broker_url, token_authority
):
    others = [await create_database() for _ in range(2)]
    (_, aanmelding_url), (_, notificatie_url) = others
    for package, url in [("dossier", database_url), ("aanmelding", aanmelding_url), ("notificatie", notificatie_url)]:
        await asyncio.to_thread(upgrade, f"loket.{package}", url)
    common = {"broker_url": broker_url, "relay_poll_interval": 0.2}
    dossier, app = build_dossier(
        DossierSettings(
            LOKET_DOSSIER_DATABASE_URL=database_url,
            LOKET_DOSSIER_BSN_KEY=new_key(),
            identity_url=token_authority.url,
            token_issuer=token_authority.issuer,
            **common,
        )
    )
    aanmelding, _ = build_aanmelding(AanmeldingSettings(LOKET_AANMELDING_DATABASE_URL=aanmelding_url, **common))
    notificatie, _ = build_notificatie(NotificatieSettings(LOKET_NOTIFICATIE_DATABASE_URL=notificatie_url, **common))
    runtimes = [dossier, aanmelding, notificatie]
    for runtime in runtimes:
        await runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://dossier") as client:
            service = Dossier(dossier, client, token_authority, app)
            noor = await register(service, pupil("Noor", "de Vries"))
            vo = service.school_user(SECONDARY_SCHOOL, subject="vo-mentor")
            registration = uuid4()

            async def status() -> int:
                return (await service.call("GET", f"/pupils/{noor}/oki-doc", vo)).status_code

            assert await status() == 404
            await emit(
                aanmelding,
                RegistrationSubmitted(
                    pupil_id=UUID(noor),
                    registration_id=registration,
                    school_brins=(SECONDARY_SCHOOL,),
                    submitted_at=datetime.now(UTC),
                ),
            )
            await eventually(lambda: _is(status, 200), what="the secondary school reading the OKI-doc")
            headers = {**service.school_admin(), "Content-Type": "application/pdf"}
            await client.post(f"/pupils/{noor}/oki-doc/attachments", content=PDF, headers=headers)
            asked = await service.call("POST", f"/pupils/{noor}/information-requests", vo, json={"message": "Rekenen?"})
            assert asked.status_code == 201

            async def received() -> list[str]:
                async with notificatie.database.transaction() as session:
                    query = select(notificatie_messaging.inbox.c.routing_key)
                    keys = (await session.execute(query)).scalars().all()
                return [key for key in keys if key == "dossier.information.requested.v1"]

            assert await eventually(received, what="notificatie taking the question") == [
                "dossier.information.requested.v1"
            ]
            await emit(
                aanmelding,
                RegistrationWithdrawn(
                    pupil_id=UUID(noor),
                    registration_id=registration,
                    school_brins=(SECONDARY_SCHOOL,),
                    withdrawn_at=datetime.now(UTC),
                ),
            )
            await eventually(lambda: _is(status, 404), what="the withdrawal closing the dossier")
            listed = await service.call("GET", f"/pupils/{noor}/oki-doc/attachments", vo)
            assert listed.status_code == 404
    finally:
        for runtime in reversed(runtimes):
            await runtime.stop()
            await runtime.database.dispose()
        for name, _ in others:
            await drop_database(name)


async def emit(aanmelding, payload) -> None:  # type: ignore[no-untyped-def]
    """What aanmelding will do (issue 6): the event in its outbox, in a transaction, then the relay."""
    async with aanmelding.database.transaction() as session:
        await aanmelding.outbox.put(session, payload)
    aanmelding.outbox.nudge()


async def _is(status, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(await status() == expected)
