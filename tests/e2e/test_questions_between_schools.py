"""A secondary school asks the primary school for more information about a pupil registered with it,
and gets the answer: dossier keeps question and answer, notificatie mails each school at the contact
address it gave, over real RabbitMQ, PostgreSQL and SMTP. The mails say which school, never what nor
about whom."""

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

import aio_pika
import httpx
from loket_test_support import eventually, staff_token, text_of

from loket.contracts.envelope import new_envelope
from loket.contracts.events import RegistrationSubmitted
from loket.contracts.topology import EVENTS_EXCHANGE

PRIMARY, SECONDARY = "12AB01", "94AB00"
PRIMARY_CONTACT, SECONDARY_CONTACT = "administratie@regenboog.example", "aanmelding@amstellyceum.example"
PUPIL = {
    "given_name": "Noor",
    "family_name": "de Vries",
    "birth_date": "2014-03-09",
    "school_brin": PRIMARY,
    "parent_email": "ouder.noor@example.org",
}
QUESTION = "Kunt u iets meer vertellen over de werkhouding van Noor in groep 8?"
ANSWER = "Noor werkt zelfstandig en vraagt hulp wanneer dat nodig is."


async def published_as_aanmelding_would(broker_url: str, payload: RegistrationSubmitted) -> None:
    """The parent's registration reached the secondary school: aanmelding's event, as it publishes it
    (running aanmelding would need a whole registration window)."""
    envelope = new_envelope(payload, region="demo")
    connection = await aio_pika.connect_robust(broker_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE.name)
        message = aio_pika.Message(
            envelope.model_dump_json().encode(),
            message_id=str(envelope.event_id),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await exchange.publish(message, routing_key=envelope.routing_key)


async def test_the_question_and_the_answer_reach_the_schools_contact_addresses(
    start_services, smtp, broker_url, tmp_path
):
    services = await start_services("identity", "dossier", "notificatie")
    dossier, identity = services["dossier"].url, services["identity"].url

    def bearer(**claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {staff_token(tmp_path / 'var', identity, **claims)}"}

    region, teacher = bearer(role="region_admin"), bearer(school=PRIMARY, subject="juf-8a")
    mentor = bearer(school=SECONDARY, subject="mentor-vo")

    async def mails_to(address: str) -> list[EmailMessage]:
        return smtp.inbox.to(address)

    async with httpx.AsyncClient() as client:
        for brin, name, sector, contact in [
            (PRIMARY, "De Regenboog", "primary", PRIMARY_CONTACT),
            (SECONDARY, "Het Amstel Lyceum", "secondary", SECONDARY_CONTACT),
        ]:
            school = {"brin": brin, "name": name, "sector": sector, "contact_email": contact}
            created = await client.post(f"{dossier}/schools", json=school, headers=region)
            assert created.status_code == 201, created.text
        registered = await client.post(f"{dossier}/pupils", json=PUPIL, headers=teacher)
        assert registered.status_code == 201, registered.text
        pupil_id = registered.json()["id"]
        submitted = RegistrationSubmitted(
            pupil_id=UUID(pupil_id), registration_id=uuid4(), school_brins=(SECONDARY,), submitted_at=datetime.now(UTC)
        )
        await published_as_aanmelding_would(broker_url, submitted)

        async def asked() -> dict[str, Any] | None:
            body = {"message": QUESTION}
            response = await client.post(f"{dossier}/pupils/{pupil_id}/information-requests", json=body, headers=mentor)
            return response.json() if response.status_code == 201 else None  # 404 until dossier heard of it

        question = await eventually(asked, within=30, what="the registration to reach dossier")
        [to_primary] = await eventually(lambda: mails_to(PRIMARY_CONTACT), within=30, what="the question's mail")
        assert "Het Amstel Lyceum" in to_primary["Subject"]

        open_questions = await client.get(
            f"{dossier}/schools/{PRIMARY}/information-requests?open=true", headers=teacher
        )
        assert [(q["id"], q["message"], q["pupil"]["given_name"]) for q in open_questions.json()] == [
            (question["id"], QUESTION, "Noor")
        ]
        answer_at = f"{dossier}/pupils/{pupil_id}/information-requests/{question['id']}/answer"
        answered = await client.post(answer_at, json={"answer": ANSWER}, headers=teacher)
        assert answered.status_code == 200, answered.text

        [to_secondary] = await eventually(lambda: mails_to(SECONDARY_CONTACT), within=30, what="the answer's mail")
        assert "De Regenboog" in to_secondary["Subject"]
        read = await client.get(f"{dossier}/pupils/{pupil_id}/information-requests", headers=mentor)
        assert [(q["message"], q["answer"]) for q in read.json()] == [(QUESTION, ANSWER)]

    for mail in (to_primary, to_secondary):
        said = mail["Subject"] + text_of(mail) + str(mail.get_body(preferencelist=("html",)))
        assert not any(secret in said for secret in (QUESTION, ANSWER, "Noor", "de Vries", pupil_id))
