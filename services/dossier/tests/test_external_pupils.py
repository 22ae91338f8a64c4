"""Buitenleerlingen: a pupil from a primary school outside the region registers too ("verplicht! alle
aangemelde leerlingen moeten dus in ELK staan"). The region registers the pupil with a `B` number and no
OKI-doc; the final advice the parents showed opens registration at once; the region sends the parent
login; the parents upload what a secondary school asks for, and that school downloads it while the
pupil is registered with it."""

from typing import Any

from dossier_support import PDF, SECONDARY_SCHOOL, Dossier, organisation, published, pupil, register, registered_with
from sqlalchemy import func, select

from loket.dossier.persistence.models import Pupil

SERVICE = "dossier"
ORIGIN = "09XY00"  # a primary school in another region


def lina(**changes: Any) -> dict[str, Any]:
    return {
        "given_name": "Lina",
        "family_name": "El Amrani",
        "birth_date": "2014-03-09",
        "school_brin": ORIGIN,
        "school_name": "De Wilgenhof, Haarlem",
        "final_advice": "havo/vwo",
        "parent_email": "ouder.lina@example.org",
        **changes,
    }


async def register_external(dossier: Dossier, body: dict[str, Any], caller: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return await dossier.call("POST", "/external-pupils", caller or dossier.region_admin(), json=body)


async def test_the_region_registers_a_buitenleerling_with_a_b_number_and_the_advice_opens_registration(
    dossier: Dossier,
):
    await organisation(dossier)
    first = await register_external(dossier, lina())
    second = await register_external(dossier, lina(given_name="Yara", final_advice="vmbo_gt"))
    own = await dossier.call(
        "GET", f"/pupils/{await register(dossier, pupil('Noor', 'de Vries'))}", dossier.region_admin()
    )

    assert first.status_code == 201, first.text
    assert (first.json()["elk_number"], second.json()["elk_number"]) == ("B10001", "B10002")
    assert own.json()["elk_number"] == "10001"  # the region's own numbers count on by themselves
    read = (await dossier.call("GET", f"/pupils/{first.json()['id']}", dossier.region_admin())).json()
    assert read["school_brin"] == ORIGIN and read["external"] == {
        "school_name": "De Wilgenhof, Haarlem",
        "final_advice": "havo/vwo",
    }
    assert own.json()["external"] is None
    advice = [
        (e["pupil_id"], e["school_brin"], e["advice"]) for e in await published(dossier, "dossier.final_advice.given")
    ]
    assert advice == [(first.json()["id"], ORIGIN, "havo/vwo"), (second.json()["id"], ORIGIN, "vmbo_gt")]
    registered = await published(dossier, "dossier.pupil.registered")
    assert [e["elk_number"] for e in registered] == ["B10001", "B10002", "10001"]


async def test_what_is_wrong_is_said_and_nothing_is_registered(dossier: Dossier):
    await organisation(dossier)
    region_school = await register_external(dossier, lina(school_brin="12AB01"))
    bad_advice = await register_external(dossier, lina(final_advice="gymnasium"))
    no_school = await register_external(dossier, lina(school_brin="12AB"))
    by_a_school = await register_external(dossier, lina(), dossier.school_admin())

    assert region_school.status_code == 422 and region_school.json()["detail"][0]["loc"] == ["body", "school_brin"]
    assert "school of this region" in region_school.json()["detail"][0]["msg"]
    assert bad_advice.status_code == 422 and bad_advice.json()["detail"][0]["loc"] == ["body", "final_advice"]
    assert no_school.status_code == 422 and no_school.json()["detail"][0]["loc"] == ["body", "school_brin"]
    assert by_a_school.status_code == 403
    async with dossier.runtime.database.transaction() as session:
        assert (await session.execute(select(func.count()).select_from(Pupil))).scalar_one() == 0
    assert await published(dossier, "dossier.final_advice.given") == []


async def test_the_region_sends_the_parent_login_asking_for_the_school_of_origin(dossier: Dossier):
    await organisation(dossier)
    lina_id = (await register_external(dossier, lina())).json()["id"]

    by_a_school = await dossier.call("POST", f"/pupils/{lina_id}/parent-login", dossier.school_admin(), json={})
    sent = await dossier.call("POST", f"/pupils/{lina_id}/parent-login", dossier.region_admin(), json={})

    assert by_a_school.status_code == 404  # not a pupil of that school
    assert sent.status_code == 202, sent.text
    [requested] = await published(dossier, "dossier.parent_login.requested")
    assert (requested["elk_number"], requested["school_brin"], requested["school_name"]) == (
        "B10001",
        ORIGIN,
        "De Wilgenhof, Haarlem",
    )


async def test_the_parents_upload_what_the_secondary_school_asks_for_and_that_school_reads_it(dossier: Dossier):
    await organisation(dossier)
    lina_id = (await register_external(dossier, lina())).json()["id"]
    noor = await register(dossier, pupil("Noor", "de Vries"))
    path = f"/pupils/{lina_id}/oki-doc/attachments"

    def upload(caller: dict[str, str], pupil_id: str = lina_id):  # type: ignore[no-untyped-def]
        headers = {**caller, "Content-Type": "application/pdf"}
        return dossier.client.post(
            f"/pupils/{pupil_id}/oki-doc/attachments", content=PDF, params={"file_name": "rapport"}, headers=headers
        )

    uploaded = await upload(dossier.parent(lina_id))
    by_region = await upload(dossier.region_admin())
    other_parent = await upload(dossier.parent(noor))
    parent_of_a_region_pupil = await upload(dossier.parent(noor), noor)

    assert uploaded.status_code == 201, uploaded.text
    assert by_region.status_code == 403 and other_parent.status_code == 404
    assert parent_of_a_region_pupil.status_code == 403  # a pupil of the region: the primary school attaches
    vo = dossier.school_admin(SECONDARY_SCHOOL)
    assert (await dossier.call("GET", path, vo)).status_code == 404  # not registered there (yet)
    await registered_with(dossier, lina_id, SECONDARY_SCHOOL)
    listed = await dossier.call("GET", path, vo)
    assert [a["file_name"] for a in listed.json()] == ["rapport.pdf"]
    got = await dossier.call("GET", f"{path}/{uploaded.json()['id']}", vo)
    assert got.status_code == 200 and got.content == PDF
