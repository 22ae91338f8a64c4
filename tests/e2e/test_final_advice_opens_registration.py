"""The primary school gives the final advice in dossier; aanmelding, another process, hears it over
RabbitMQ and opens registration for that pupil — and knows nothing else about the child.

Aanmelding hears of the pupil twice: the registration (school and ELK number, which twins' shared lot
needs) and then the final advice; the row exists after the first, so the test waits for the second."""

import httpx
from loket_test_support import eventually, staff_token
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

PUPIL = {
    "given_name": "Daan",
    "family_name": "Bakker",
    "birth_date": "2014-07-21",
    "school_brin": "12AB01",
    "parent_email": "ouder.bakker@example.org",
}


async def advised(database_url: str, pupil_id: str) -> dict[str, object] | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (
                (await connection.execute(text("SELECT * FROM pupil_eligibility WHERE pupil_id = :p"), {"p": pupil_id}))
                .mappings()
                .first()
            )
    finally:
        await engine.dispose()
    return dict(row) if row and row["advice"] is not None else None


async def test_a_final_advice_in_dossier_opens_registration_in_aanmelding(start_services, tmp_path):
    services = await start_services("identity", "dossier", "aanmelding")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{services['identity'].url}/.well-known/jwks.json")).json()["keys"]
        teacher = staff_token(tmp_path / "var", services["identity"].url, school=PUPIL["school_brin"])
        headers = {"Authorization": f"Bearer {teacher}"}
        created = await client.post(f"{services['dossier'].url}/pupils", json=PUPIL, headers=headers)
        assert created.status_code == 201, created.text
        pupil_id = created.json()["id"]

        advice = {"level": "vmbo_gt/havo", "motivation": "Werkt zelfstandig en nauwkeurig."}
        given = await client.put(
            f"{services['dossier'].url}/pupils/{pupil_id}/final-advice", json=advice, headers=headers
        )
        assert given.status_code == 200, given.text

    found = await eventually(
        lambda: advised(services["aanmelding"].database_url, pupil_id), within=30, what="aanmelding to hear it"
    )
    assert found["advice"] == "vmbo_gt/havo" and found["school_brin"] == "12AB01"
    assert found["elk_number"] == created.json()["elk_number"]
    assert set(found) == {
        "pupil_id",
        "school_brin",
        "elk_number",
        "group_name",
        "group_changed_at",
        "advice",
        "advice_given_at",
        "form_outdated_at",
        "form_prepared_at",
    }  # no name, no birth date: aanmelding reads those where it may


async def test_a_teacher_sees_in_aanmelding_the_pupils_of_the_groups_dossier_gives_them(start_services, tmp_path):
    """The school's administrator links juf Anna to 8a in dossier and registers Daan in 8a and Sem in 8b;
    in aanmelding, juf Anna's list of the school's pupils holds Daan and not Sem."""
    services = await start_services("identity", "dossier", "aanmelding")
    dossier, aanmelding, brin = services["dossier"].url, services["aanmelding"].url, PUPIL["school_brin"]

    def bearer(**claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {staff_token(tmp_path / 'var', services['identity'].url, **claims)}"}

    region, administrator = bearer(role="region_admin"), bearer(role="school_admin", school=brin)
    juf_anna = bearer(school=brin, subject="juf-anna")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{services['identity'].url}/.well-known/jwks.json")).json()["keys"]
        school = await client.post(f"{dossier}/schools", json={"brin": brin, "name": "De Regenboog"}, headers=region)
        assert school.status_code == 201, school.text
        for name, teachers in (("8a", ["juf-anna"]), ("8b", [])):
            group = {"name": name, "year_level": 8, "teachers": teachers}
            made = await client.post(f"{dossier}/schools/{brin}/groups", json=group, headers=administrator)
            assert made.status_code == 201, made.text
        daan, sem = [
            (
                await client.post(
                    f"{dossier}/pupils", json={**PUPIL, "given_name": name, "group": group}, headers=administrator
                )
            ).json()["id"]
            for name, group in (("Daan", "8a"), ("Sem", "8b"))
        ]

        async def listed_for_anna() -> list[str] | None:
            answer = await client.get(f"{aanmelding}/schools/{brin}/pupils", headers=juf_anna)
            assert answer.status_code == 200, answer.text
            return [row["pupil_id"] for row in answer.json()] or None

        async def everyone_grouped() -> bool:
            answer = await client.get(f"{aanmelding}/schools/{brin}/pupils", headers=administrator)
            return sorted(row["group"] or "" for row in answer.json()) == ["8a", "8b"]

        await eventually(everyone_grouped, within=30, what="aanmelding to hear both pupils' groups")
        assert await eventually(listed_for_anna, within=30, what="juf Anna's groups") == [daan]
        sem_for_anna = await client.get(f"{aanmelding}/pupils/{sem}/registration", headers=juf_anna)
        assert sem_for_anna.status_code == 404


async def test_a_buitenleerling_the_region_registers_may_register_at_once(start_services, tmp_path):
    """A pupil from outside the region: dossier gives a B number and passes on the advice the parents
    showed, so aanmelding opens registration without an OKI-doc."""
    services = await start_services("identity", "dossier", "aanmelding")
    region = staff_token(tmp_path / "var", services["identity"].url, role="region_admin")
    lina = {**PUPIL, "school_brin": "09XY00", "school_name": "De Wilgenhof, Haarlem", "final_advice": "havo/vwo"}
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{services['identity'].url}/.well-known/jwks.json")).json()["keys"]
        created = await client.post(
            f"{services['dossier'].url}/external-pupils", json=lina, headers={"Authorization": f"Bearer {region}"}
        )
        assert created.status_code == 201, created.text

    found = await eventually(
        lambda: advised(services["aanmelding"].database_url, created.json()["id"]), within=30, what="aanmelding"
    )
    assert (found["advice"], found["school_brin"], found["elk_number"]) == ("havo/vwo", "09XY00", "B10001")
