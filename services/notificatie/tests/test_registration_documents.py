"""The parent's registration documents: the paper form for who cannot register online, the control
document before submitting, the proof of registration after, as PDFs that open and say what was given; a
field holding HTML prints as text; nothing is kept; another parent's child is not found."""

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from notificatie_support import World, world
from pypdf import PdfReader
from sqlmodel import select

from loket.notificatie.persistence.models import Message

SERVICE = "notificatie"
PREFERENCES = [{"school": "Het Amstel Lyceum", "program": "havo/vwo"}, {"school": "Het College", "program": "havo"}]


def document(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "pupil_id": str(world.noor),
        "pupil_name": "Noor de Vries",
        "elk_number": "10001",
        "school_name": "Lindeschool",
        "preferences": PREFERENCES,
        **changes,
    }


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


async def test_the_parent_prints_the_control_document_and_then_the_proof_of_registration(the_world: World, smtp):
    control = await the_world.post(
        "/documents/control-document.pdf",
        "parent_of_pupil",
        document(the_world, advice="havo/vwo", priority_claims=["broer/zus op Het Amstel Lyceum"]),
    )
    proof = await the_world.post(
        "/documents/proof-of-registration.pdf",
        "parent_of_pupil",
        document(the_world, registered_at="2027-03-10T14:05:00+01:00", case_reference="3f2a9c"),
    )

    checked = said(control)
    assert "Controledocument" in checked and "Noor de Vries" in checked and "broer/zus op Het Amstel Lyceum" in checked
    assert checked.index("Het Amstel Lyceum") < checked.index("Het College") and "In English" in checked
    received = said(proof)
    assert "Bewijs van aanmelding" in received and "10 maart 2027" in received and "3f2a9c" in received
    assert 'filename="bewijs-van-aanmelding.pdf"' in proof.headers["content-disposition"]
    assert smtp.inbox.messages == []
    async with the_world.runtime.database.transaction() as session:
        kept = (await session.exec(select(Message))).all()
    assert "Noor de Vries" not in str([vars(row) for row in kept])


async def test_a_field_holding_html_prints_as_text_and_bad_input_says_where(the_world: World):
    hostile = document(the_world, advice="havo", pupil_name='<img src="file:///etc/passwd">Noor')
    printed = said(await the_world.post("/documents/control-document.pdf", "parent_of_pupil", hostile))
    assert '<img src="file:///etc/passwd">Noor' in printed

    no_advice = await the_world.post("/documents/control-document.pdf", "parent_of_pupil", document(the_world))
    assert no_advice.status_code == 422 and no_advice.json()["detail"][0]["loc"] == ["body", "advice"]
    no_list = await the_world.post(
        "/documents/control-document.pdf", "parent_of_pupil", document(the_world, advice="havo", preferences=[])
    )
    assert no_list.status_code == 422 and no_list.json()["detail"][0]["loc"] == ["body", "preferences"]
    other = await the_world.post(
        "/documents/control-document.pdf", "parent_of_other", document(the_world, advice="havo")
    )
    assert other.status_code == 404


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

    printed = said(by_the_school)
    assert "Aanmeldformulier" in printed and "Noor de Vries" in printed and "12 maart 2027, 17:00" in printed
    assert "Zet ten minste 6 scholen in volgorde." in printed and "Kind van een medewerker" in printed
    assert "Het Amstel Lyceum" in printed and "gelijkwaardige afdeling" in printed and "In English" in printed
    assert 'filename="aanmeldformulier.pdf"' in by_the_school.headers["content-disposition"]
    assert "Aanmeldformulier" in said(by_the_parent)
    assert no_programs.status_code == 422 and no_programs.json()["detail"][0]["loc"] == ["body", "programs"]
