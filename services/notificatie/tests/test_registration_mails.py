"""The parent hears of the registration: a confirmation when it reached the school of first choice, the
school's decision on a priority claim, a reminder while not done, and that the outcome can be seen.
Each mail goes once, also when the event comes twice, to the address the parent's activation link went
to (the first parent's), in the parent's language."""

from datetime import UTC, datetime
from uuid import uuid4

from loket_test_support import deliver, text_of
from notificatie_support import activation_issued, twice

from loket.contracts.events import (
    PlacementPublished,
    PriorityClaimDecided,
    RegistrationEndedBySchool,
    RegistrationSubmitted,
    ReminderDue,
    SchoolContactChanged,
)
from loket.notificatie.app import build
from loket.notificatie.settings import NotificatieSettings

SERVICE = "notificatie"
PUPIL = uuid4()
AT = datetime(2027, 3, 25, 10, 0, tzinfo=UTC)


def activation(username: str = "10001", recipient: str = "ouder@example.org", language: str = "nl"):  # type: ignore[no-untyped-def]
    link = "https://ouders.loket.example/activate/dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM"
    return activation_issued(PUPIL, recipient, link, username=username, expires_at=AT, language=language)


def submitted(pupil=PUPIL) -> RegistrationSubmitted:  # type: ignore[no-untyped-def]
    return RegistrationSubmitted(pupil_id=pupil, registration_id=uuid4(), school_brins=("94AB00",), submitted_at=AT)


def decided(granted: bool) -> PriorityClaimDecided:
    return PriorityClaimDecided(
        pupil_id=PUPIL, registration_id=uuid4(), school_brin="94AB00", kind="sibling", granted=granted, decided_at=AT
    )


async def test_the_confirmation_reaches_the_parent_once(notificatie, smtp):
    await deliver(notificatie, activation())

    await twice(notificatie, submitted())

    confirmations = [mail for mail in smtp.inbox.to("ouder@example.org") if "Aanmelding ontvangen" in mail["Subject"]]
    [mail] = confirmations
    body = text_of(mail)
    assert "gebruikersnaam 10001" in body and "25 maart 2027" in body and "In English" in body
    assert "bewijs van aanmelding." in body and "https://" not in body  # no portal page configured: no link


async def test_the_confirmation_links_to_the_portals_proof_of_registration(migrated_database_url, smtp):
    """No attachment: the proof is printed from aanmelding's record with the parent's own token, which a
    mail sent on an event does not have; the mail links to the portal's page that gets it."""
    page = "https://ouders.loket.example/aanmelding/bewijs"
    runtime, _app = build(
        NotificatieSettings(
            LOKET_NOTIFICATIE_DATABASE_URL=migrated_database_url,
            LOKET_NOTIFICATIE_SMTP_PORT=smtp.port,
            LOKET_NOTIFICATIE_PROOF_PAGE_URL=page,
        )
    )
    try:
        await deliver(runtime, activation())
        await deliver(runtime, submitted())
    finally:
        await runtime.database.dispose()

    [mail] = [m for m in smtp.inbox.to("ouder@example.org") if "Aanmelding ontvangen" in m["Subject"]]
    assert f"bewijs van aanmelding: {page}" in text_of(mail) and f"proof of registration there: {page}" in text_of(mail)
    html = next(part for part in mail.walk() if part.get_content_type() == "text/html").get_content()
    assert f'<a href="{page}">bewijs van aanmelding</a>' in html
    assert not any(part.get_filename() for part in mail.walk())  # nothing attached


async def test_the_priority_decision_reaches_the_parent_once_either_way(notificatie, smtp):
    await deliver(notificatie, activation(language="en"))

    await twice(notificatie, decided(granted=False))
    await twice(notificatie, decided(granted=True))

    subjects = [mail["Subject"] for mail in smtp.inbox.to("ouder@example.org") if "Priority" in mail["Subject"]]
    assert subjects == ["Priority not granted", "Priority granted"]
    assert "a brother or sister at the school" in text_of(smtp.inbox.to("ouder@example.org")[-1])


async def test_mail_about_the_registration_goes_to_the_newest_address_of_the_first_parent(notificatie, smtp):
    await deliver(notificatie, activation(recipient="oud@example.org"))
    await deliver(notificatie, activation(recipient="nieuw@example.org"))  # the school corrected the address
    await deliver(notificatie, activation(username="10001-2", recipient="tweede@example.org"))

    await deliver(notificatie, submitted())

    assert [m["Subject"] for m in smtp.inbox.to("nieuw@example.org")][-1].startswith("Aanmelding ontvangen")
    assert not any("Aanmelding" in m["Subject"] for m in smtp.inbox.to("tweede@example.org"))


async def test_without_an_online_account_there_is_nobody_to_mail_and_nothing_fails(notificatie, smtp):
    assert await deliver(notificatie, submitted(pupil=uuid4())) is True  # the paper form: the school tells them
    assert smtp.inbox.messages == []


async def test_a_reminder_says_whether_the_parent_began_and_until_when_registering_is_open(notificatie, smtp):
    await deliver(notificatie, activation())
    closes = datetime(2027, 3, 31, 15, 0, tzinfo=UTC)  # 17:00 in Amsterdam

    await twice(notificatie, ReminderDue(pupil_id=PUPIL, round="ronde-1", progress="in_progress", closes_at=closes))

    [mail] = [m for m in smtp.inbox.to("ouder@example.org") if "Herinnering" in m["Subject"]]
    body = text_of(mail)
    assert "nog niet definitief gemaakt" in body and "31 maart 2027, 17:00" in body


async def test_at_the_publication_moment_the_parent_hears_the_outcome_can_be_seen(notificatie, smtp):
    await deliver(notificatie, activation())
    published = PlacementPublished(
        pupil_id=PUPIL, registration_id=uuid4(), round="ronde-1", placed=True, school_brin="94AB00", program="94AB00-hv"
    )

    await twice(notificatie, published)

    [mail] = [m for m in smtp.inbox.to("ouder@example.org") if "uitslag" in m["Subject"]]
    assert "op welke school uw kind geplaatst is" in text_of(mail)


def ended(support_needs: bool) -> RegistrationEndedBySchool:
    return RegistrationEndedBySchool(
        pupil_id=PUPIL,
        registration_id=uuid4(),
        school_brin="94AB00",
        primary_school_brin="12AB01",
        support_needs=support_needs,
        ended_at=AT,
    )


async def test_a_parent_whose_registration_the_school_voids_for_support_needs_hears_to_register_elsewhere(
    notificatie, smtp
):
    await deliver(notificatie, activation(language="en"))
    lyceum = SchoolContactChanged(school_brin="94AB00", school_name="Het Amstel Lyceum", contact_email=None)
    await deliver(notificatie, lyceum)

    await twice(notificatie, ended(support_needs=True))
    await twice(notificatie, ended(support_needs=False))

    void, withdrawn = [m for m in smtp.inbox.to("ouder@example.org") if "Registration" in m["Subject"]]
    assert void["Subject"].strip() == "Registration void: register your child at another school"
    assert "Het Amstel Lyceum cannot give your child (10001) the support" in text_of(void)
    assert "another school" in text_of(void)
    assert "because your child will not come" in text_of(withdrawn)
