"""The OKI-doc from Onvolledig to Definitief, as a groep 8 teacher fills it in: the check lists every
required field still missing by path and name; Volledig only when none is; Definitief after the
parents' inspection, then locked until an administrator reopens it (audited)."""

import httpx
import pytest
from dossier_support import Dossier, organisation, pupil, register
from sqlalchemy import select

from loket.dossier.app import build
from loket.dossier.persistence.models import messaging
from loket.dossier.settings import DossierSettings

SERVICE = "dossier"

PUPIL_DETAILS = {
    "address": {"street": "Dorpsstraat", "house_number": "12", "postcode": "1181 AB", "city": "Amstelveen"},
    "parents": [
        {"name": "J. de Vries", "relation": "moeder", "email": "ouder.noor@example.org", "phone": "0612345678"}
    ],
}
PARTS = {
    "school_career": [
        {"school_year": "2019-2020", "school": "De Regenboog", "year_level": 3},
        {"school_year": "2024-2025", "school": "De Regenboog", "year_level": 8},
    ],
    "advice": {
        "provisional_7": {"level": "havo"},
        "provisional_8": {"level": "HAVO/VWO", "motivation": "Werkt zelfstandig en leest veel."},
        "support_advice": "Geen extra ondersteuning nodig.",
        "support_needed": False,
        "contact_person": {"name": "Meester Bas", "email": "bas@regenboog.example"},
        "tafelmiddag": False,
    },
    "test_results": [{"school_year": "2024-2025", "subject": "rekenen-wiskunde", "test": "M8", "level": "I"}],
    "support": {
        "absence": {"authorised_days": 2, "unauthorised_days": 0},
        "didactic": [{"item": "technisch lezen", "assessment": "goes_well"}],
        "behaviour": [{"item": "taakaanpak", "assessment": "needs_attention"}],
    },
}


@pytest.fixture
async def noor(dossier: Dossier) -> str:
    await organisation(dossier)
    return await register(dossier, pupil("Noor", "de Vries", group="8a"))


def missing_paths(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.json()
    missing = body["missing"] if "missing" in body else body["detail"]["missing"]
    return [item["path"] for item in missing]


async def test_an_oki_doc_goes_from_incomplete_through_complete_to_final(dossier: Dossier, noor):
    teacher = dossier.school_user(groups=("8a",), subject="t-8a")
    url = f"/pupils/{noor}/oki-doc"

    fresh = await dossier.call("GET", url, teacher)
    assert fresh.json()["status"] == "incomplete"
    assert "advice.provisional_8.motivation" in missing_paths(fresh)

    too_early = await dossier.call("POST", f"{url}/complete", teacher)
    assert too_early.status_code == 409
    assert {"path": "pupil.address.postcode", "name": "Postcode"} in too_early.json()["detail"]["missing"]
    assert missing_paths(too_early) == missing_paths(fresh)

    assert (await dossier.call("PATCH", f"/pupils/{noor}", teacher, json=PUPIL_DETAILS)).status_code == 200
    written = await dossier.call("PATCH", url, teacher, json=PARTS)
    assert written.status_code == 200 and missing_paths(written) == []
    assert written.json()["advice"]["provisional_8"]["level"] == "havo/vwo"  # normalised

    completed = await dossier.call("POST", f"{url}/complete", teacher)
    assert completed.status_code == 200 and completed.json()["status"] == "complete"

    before_inspection = await dossier.call("POST", f"{url}/finalise", teacher)
    assert before_inspection.status_code == 409
    assert missing_paths(before_inspection) == ["overview.parents_inspected_on", "overview.parents_agreed"]

    overview = {"overview": {"parents_inspected_on": "2025-02-10", "parents_agreed": True}}
    assert (await dossier.call("PATCH", url, teacher, json=overview)).json()["status"] == "complete"
    final = await dossier.call("POST", f"{url}/finalise", teacher)
    assert final.status_code == 200 and final.json()["status"] == "final" and final.json()["finalised_at"]


async def finalised(dossier: Dossier, pupil_id: str) -> None:
    teacher = dossier.school_user(groups=("8a",))
    url = f"/pupils/{pupil_id}/oki-doc"
    await dossier.call("PATCH", f"/pupils/{pupil_id}", teacher, json=PUPIL_DETAILS)
    overview = {"overview": {"parents_inspected_on": "2025-02-10", "parents_agreed": True}}
    await dossier.call("PATCH", url, teacher, json={**PARTS, **overview})
    await dossier.call("POST", f"{url}/complete", teacher)
    assert (await dossier.call("POST", f"{url}/finalise", teacher)).json()["status"] == "final"


async def test_a_final_oki_doc_is_locked_until_an_administrator_reopens_it_with_a_reason(dossier: Dossier, noor):
    await finalised(dossier, noor)
    teacher = dossier.school_user(groups=("8a",))
    url = f"/pupils/{noor}/oki-doc"

    locked = await dossier.call("PATCH", url, teacher, json={"advice": {"tafelmiddag": True}})
    assert locked.status_code == 409 and "final" in locked.json()["detail"]
    assert (await dossier.call("POST", f"{url}/reopen", teacher, json={"reason": "typo"})).status_code == 403
    reopened = await dossier.call("POST", f"{url}/reopen", dossier.school_admin(), json={"reason": "Advies aangepast"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "complete"
    assert (
        await dossier.call("PATCH", url, teacher, json={"advice": {**PARTS["advice"], "tafelmiddag": True}})
    ).status_code == 200

    trail = (await dossier.call("GET", f"/pupils/{noor}/audit", dossier.region_admin())).json()
    [reopening] = [entry for entry in trail if entry["action"] == "oki_doc.reopened"]
    assert reopening["actor_role"] == "school_admin" and reopening["detail"] == {"reason": "Advies aangepast"}


async def test_emptying_a_required_field_of_a_complete_oki_doc_makes_it_incomplete_again(dossier: Dossier, noor):
    teacher = dossier.school_user(groups=("8a",))
    url = f"/pupils/{noor}/oki-doc"
    await dossier.call("PATCH", f"/pupils/{noor}", teacher, json=PUPIL_DETAILS)
    await dossier.call("PATCH", url, teacher, json=PARTS)
    await dossier.call("POST", f"{url}/complete", teacher)

    emptied = await dossier.call("PATCH", url, teacher, json={"test_results": []})

    assert emptied.json()["status"] == "incomplete" and missing_paths(emptied) == ["test_results"]


async def test_needs_support_asks_for_an_explanation_and_disagreeing_parents_for_their_view(dossier: Dossier, noor):
    teacher = dossier.school_user(groups=("8a",))
    support = {**PARTS["support"], "behaviour": [{"item": "concentratie", "assessment": "needs_support"}]}
    overview = {"parents_inspected_on": "2025-02-10", "parents_agreed": False}

    written = await dossier.call(
        "PATCH", f"/pupils/{noor}/oki-doc", teacher, json={"support": support, "overview": overview}
    )

    missing = {item["path"]: item["name"] for item in written.json()["missing"]}
    assert "vraagt ondersteuning" in missing["support.behaviour.0.explanation"]
    assert "overview.parents_view" in missing


async def test_a_parent_reads_its_childs_oki_doc_but_writes_nothing(dossier: Dossier, noor):
    parent = dossier.parent(noor)
    other = await register(dossier, pupil("Sem", "Jansen", group="8b"))

    read = await dossier.call("GET", f"/pupils/{noor}/oki-doc", parent)
    assert read.status_code == 200 and read.json()["missing"] is None
    assert (await dossier.call("PATCH", f"/pupils/{noor}/oki-doc", parent, json=PARTS)).status_code == 403
    assert (await dossier.call("POST", f"/pupils/{noor}/oki-doc/complete", parent)).status_code == 403
    assert (await dossier.call("GET", f"/pupils/{other}/oki-doc", parent)).status_code == 404


async def outdated_forms(dossier: Dossier) -> list[dict[str, str]]:
    async with dossier.runtime.database.transaction() as session:
        rows = (await session.execute(select(messaging.outbox.c.body).order_by(messaging.outbox.c.seq))).scalars()
        return [body["payload"] for body in rows if body["type"] == "dossier.registration_form.outdated"]


async def test_a_change_to_the_pupils_details_prepares_a_fresh_registration_form(dossier: Dossier, noor):
    await finalised(dossier, noor)
    teacher = dossier.school_user(groups=("8a",))
    moved = {"address": {**PUPIL_DETAILS["address"], "street": "Kerklaan"}}
    before = await outdated_forms(dossier)

    assert (await dossier.call("PATCH", f"/pupils/{noor}", teacher, json=moved)).status_code == 200
    assert (await dossier.call("PATCH", f"/pupils/{noor}", teacher, json=moved)).status_code == 200  # no change

    assert (await outdated_forms(dossier))[len(before) :] == [{"pupil_id": noor, "school_brin": "12AB01"}]
    emptied = await dossier.call("PATCH", f"/pupils/{noor}", teacher, json={"address": None})
    assert emptied.status_code == 409  # a final OKI-doc keeps its required fields


async def test_a_region_chooses_its_own_required_fields(migrated_database_url, token_authority):
    settings = DossierSettings(
        LOKET_DOSSIER_DATABASE_URL=migrated_database_url,
        LOKET_DOSSIER_OKI_DOC_REQUIRED="pupil.given_name, advice.provisional_7.level",
        identity_url=token_authority.url,
        token_issuer=token_authority.issuer,
    )
    runtime, app = build(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://dossier") as client:
        local = Dossier(runtime, client, token_authority)
        await organisation(local)
        noor = await register(local, pupil("Noor", "de Vries"))
        read = await local.call("GET", f"/pupils/{noor}/oki-doc", local.school_admin())
    await runtime.database.dispose()

    assert missing_paths(read) == ["advice.provisional_7.level"]


def test_a_required_field_the_oki_doc_does_not_have_stops_the_service_from_starting():
    with pytest.raises(ValueError, match="unknown OKI-doc fields"):
        DossierSettings(LOKET_DOSSIER_OKI_DOC_REQUIRED="pupil.shoe_size")
