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
        "advice",
        "advice_given_at",
        "form_outdated_at",
        "form_prepared_at",
    }  # no name, no birth date: aanmelding reads those where it may
