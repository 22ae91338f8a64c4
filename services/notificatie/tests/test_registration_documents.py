"""The parent's registration documents: the paper form for who cannot register online (its fields given
by the caller: it is blank), and the control document before submitting and the proof of registration
after, printed from what aanmelding recorded and dossier keeps, read with the caller's own token, never
from what the caller sends. aanmelding's and dossier's refusals are the answer; a proof is only for a
submitted registration; a field holding HTML prints as text; nothing is kept or mailed.

aanmelding and dossier are a stand-in here (`notificatie_support.Recorded`); the real ones, with their
access checks, are in tests/e2e/test_documents_from_record.py."""

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from loket_test_support import deliver
from notificatie_support import World, world
from pypdf import PdfReader
from sqlmodel import select

from loket.contracts.events import SchoolContactChanged
from loket.notificatie.persistence.models import Message

SERVICE = "notificatie"
PREFERENCES = [{"school": "Het Amstel Lyceum", "program": "havo/vwo"}, {"school": "Het College", "program": "havo"}]


@pytest.fixture
async def the_world(migrated_database_url, smtp, token_authority) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    w = await world(migrated_database_url, smtp, token_authority)
    smtp.inbox.messages.clear()  # the activation mails of the world
    yield w
    await w.client.aclose()
    await w.runtime.database.dispose()


def said(response: Any) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf" and response.headers["cache-control"] == "no-store"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def path(world: World, kind: str) -> str:
    return f"/pupils/{world.noor}/documents/{kind}.pdf"


async def test_the_parent_prints_the_control_document_and_the_proof_from_what_was_recorded(the_world: World, smtp):
    own_token = {"Authorization": f"Bearer {the_world.token('parent_of_pupil')}"}
    control = await the_world.client.get(path(the_world, "control-document"), headers=own_token)
    proof = await the_world.client.get(path(the_world, "proof-of-registration"), headers=own_token)

    checked = said(control)
    assert "Controledocument" in checked and "Noor de Vries" in checked and "10001" in checked
    assert "broer of zus op de school: Ali, klas 2b" in checked and "havo/vwo" in checked
    assert checked.index("Het Lyceum") < checked.index("Het College") and "In English" in checked
    received = said(proof)
    registration = the_world.recorded.registrations[str(the_world.noor)]
    assert registration is not None
    assert "Bewijs van aanmelding" in received and "10 maart 2027, 14:05" in received
    assert registration["id"] in received and "ontvangen door" in received and "Het Lyceum" in received
    assert 'filename="bewijs-van-aanmelding.pdf"' in proof.headers["content-disposition"]
    assert 'filename="controledocument.pdf"' in control.headers["content-disposition"]
    # read with the parent's own token, from aanmelding first (the registration), then dossier (the pupil)
    noor = the_world.noor
    asked = [f"http://aanmelding.test/pupils/{noor}/registration", f"http://dossier.test/pupils/{noor}"] * 2
    assert the_world.recorded.asked == [(url, own_token["Authorization"]) for url in asked]
    assert smtp.inbox.messages == []
    async with the_world.runtime.database.transaction() as session:
        kept = (await session.exec(select(Message))).all()
    assert "Noor de Vries" not in str([vars(row) for row in kept])


async def test_what_the_caller_sends_is_not_printed_and_the_old_routes_are_gone(the_world: World):
    headers = {"Authorization": f"Bearer {the_world.token('parent_of_pupil')}"}
    forged = {
        "pupil_name": "Iemand Anders",
        "preferences": [{"school": "Het Vervalste Gymnasium", "program": "vwo"}],
        "registered_at": "2027-01-01T09:00:00+01:00",
        "case_reference": "VERVALST",
    }
    with_a_body = await the_world.client.request(
        "GET", path(the_world, "proof-of-registration"), headers=headers, json=forged, params=forged | {"p": 1}
    )
    printed = said(with_a_body)
    assert "Noor de Vries" in printed and "Het Lyceum" in printed
    assert not any(word in printed for word in ("Iemand Anders", "Vervalste", "VERVALST", "1 januari"))

    for kind in ("control-document", "proof-of-registration"):
        old = await the_world.post(f"/documents/{kind}.pdf", "parent_of_pupil", {"pupil_id": str(the_world.noor)})
        posted = await the_world.post(path(the_world, kind), "parent_of_pupil", forged)
        assert old.status_code == 404 and posted.status_code == 405


async def test_a_proof_only_for_a_submitted_registration(the_world: World):
    registration = the_world.recorded.registrations[str(the_world.noor)]
    assert registration is not None
    registration |= {"state": "in_progress", "submitted_at": None}

    proof = await the_world.get(path(the_world, "proof-of-registration"), "parent_of_pupil")
    control = await the_world.get(path(the_world, "control-document"), "parent_of_pupil")
    registration |= {"preferences": []}
    nothing_ranked = await the_world.get(path(the_world, "control-document"), "parent_of_pupil")
    the_world.recorded.registrations[str(the_world.noor)] = None  # none begun, or the last withdrawn
    nothing_begun = await the_world.get(path(the_world, "proof-of-registration"), "parent_of_pupil")

    assert proof.status_code == 409 and proof.json()["code"] == "not_submitted"
    assert "in_progress" in proof.json()["detail"]
    assert "Controledocument" in said(control)
    assert nothing_ranked.status_code == 409 and nothing_ranked.json()["code"] == "no_preferences"
    assert nothing_begun.status_code == 409 and nothing_begun.json()["code"] == "no_registration"


async def test_a_forwarded_list_in_zaanstad_names_the_primary_school(the_world: World):
    registration = the_world.recorded.registrations[str(the_world.noor)]
    assert registration is not None
    registration |= {"state": "forwarded", "goes_to": "primary_school"}
    await deliver(
        the_world.runtime,
        SchoolContactChanged(school_brin="12AB01", school_name="Lindeschool", contact_email=None),
    )

    printed = said(await the_world.get(path(the_world, "proof-of-registration"), "parent_of_pupil"))

    assert "Lindeschool" in printed  # where the list was handed in, not the school of first choice


@pytest.mark.parametrize(
    ("service", "status", "body", "code"),
    [
        ("aanmelding", 404, {"detail": "pupil not found", "code": "pupil_not_found"}, "pupil_not_found"),
        ("aanmelding", 403, {"detail": "only the pupil's parent"}, "forbidden"),
        ("aanmelding", 401, {"detail": "token expired"}, "unauthorized"),
        ("dossier", 404, {"detail": "pupil not found"}, "not_found"),
        ("aanmelding", 500, {"detail": "boom"}, "bad_gateway"),
    ],
)
async def test_aanmelding_and_dossier_refusals_are_the_answer(the_world: World, service, status, body, code):
    the_world.recorded.refusals[service] = (status, body)

    for kind in ("control-document", "proof-of-registration"):
        answer = await the_world.get(path(the_world, kind), "parent_of_pupil")
        assert answer.status_code == (502 if status == 500 else status), answer.text
        assert answer.json()["code"] == code and answer.json()["detail"].startswith(f"{service}")
    if service == "aanmelding":  # aanmelding is asked first: a refusal there asks dossier nothing
        assert all("aanmelding.test" in url for url, _ in the_world.recorded.asked)


async def test_an_unreachable_aanmelding_is_503_and_no_token_401(the_world: World):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    the_world.recorded.transport.handler = down  # type: ignore[attr-defined]
    unreachable = await the_world.get(path(the_world, "proof-of-registration"), "parent_of_pupil")
    no_token = await the_world.get(path(the_world, "proof-of-registration"), None)

    assert unreachable.status_code == 503 and unreachable.json()["code"] == "unavailable"
    assert no_token.status_code == 401


async def test_a_recorded_name_holding_html_prints_as_text(the_world: World):
    the_world.recorded.pupils[str(the_world.noor)]["given_name"] = '<img src="file:///etc/passwd">Noor'

    printed = said(await the_world.get(path(the_world, "control-document"), "parent_of_pupil"))

    assert '<img src="file:///etc/passwd">Noor' in printed


async def test_the_primary_school_prints_the_paper_form_with_the_programs_that_fit_to_number(the_world: World):
    form = {
        "pupil_id": str(the_world.noor),
        "pupil_name": "Noor de Vries",
        "elk_number": "10001",
        "school_name": "Lindeschool",
        "advice": "havo/vwo",
        "round_name": "1e ronde",
        "hand_in_before": "2027-03-12T17:00:00+01:00",
        "list_rule": "Zet ten minste 6 scholen in volgorde.",
        "programs": PREFERENCES,
        "priority_options": ["Broer of zus op de school van eerste keus", "Kind van een medewerker"],
        "equivalent_department": True,
    }

    by_the_school = await the_world.post("/documents/paper-form.pdf", "school_user_no_group", form)
    by_the_parent = await the_world.post("/documents/paper-form.pdf", "parent_of_pupil", form)
    no_programs = await the_world.post("/documents/paper-form.pdf", "school_user_no_group", {**form, "programs": []})
    other = await the_world.post("/documents/paper-form.pdf", "parent_of_other", form)

    printed = said(by_the_school)
    assert "Aanmeldformulier" in printed and "Noor de Vries" in printed and "12 maart 2027, 17:00" in printed
    assert "Zet ten minste 6 scholen in volgorde." in printed and "Kind van een medewerker" in printed
    assert "Het Amstel Lyceum" in printed and "gelijkwaardige afdeling" in printed and "In English" in printed
    assert 'filename="aanmeldformulier.pdf"' in by_the_school.headers["content-disposition"]
    assert "Aanmeldformulier" in said(by_the_parent)
    assert no_programs.status_code == 422 and no_programs.json()["detail"][0]["loc"] == ["body", "programs"]
    assert other.status_code == 404
