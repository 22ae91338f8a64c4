"""A primary school registers a pupil with the first parent's e-mail address."""

import asyncio
from datetime import UTC, date, datetime

import httpx
import pytest
from loket_test_support import TokenAuthority
from sqlalchemy import func, select
from sqlmodel import select as select_models

from loket.dossier.app import build
from loket.dossier.persistence.models import Pupil, messaging
from loket.dossier.settings import DossierSettings

SERVICE = "dossier"

NOOR = {
    "given_name": "Noor",
    "family_name": "de Vries",
    "birth_date": "2014-03-09",
    "school_brin": "12ab01",
    "parent_email": "ouder.devries@example.org",
}


def settings_for(database_url: str, authority: TokenAuthority) -> DossierSettings:
    return DossierSettings(
        LOKET_DOSSIER_DATABASE_URL=database_url, identity_url=authority.url, token_issuer=authority.issuer
    )


@pytest.fixture
async def dossier(migrated_database_url, token_authority):  # type: ignore[no-untyped-def]
    runtime, app = build(settings_for(migrated_database_url, token_authority))
    teacher = token_authority.mint(role="school_user", scope={"schools": ["12AB01"]})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://dossier", headers={"Authorization": f"Bearer {teacher}"}
    ) as client:
        yield runtime, client
    await runtime.database.dispose()


async def stored(runtime):  # type: ignore[no-untyped-def]
    async with runtime.database.transaction() as session:
        pupils = (await session.exec(select_models(Pupil))).all()
        events = (await session.execute(select(messaging.outbox))).all()
    return pupils, events


async def test_registering_a_pupil_stores_it_and_announces_it_in_the_same_transaction(dossier):
    runtime, client = dossier
    response = await client.post("/pupils", json=NOOR)
    assert response.status_code == 201
    created = response.json()
    [pupil], [event] = await stored(runtime)
    assert str(pupil.id) == created["id"] and pupil.elk_number == created["elk_number"] == "10001"
    assert pupil.school_brin == "12AB01"  # normalised
    assert event.routing_key == "dossier.pupil.registered.v1"
    assert event.body["payload"] == {
        "pupil_id": created["id"],
        "elk_number": "10001",
        "school_brin": "12AB01",
        "parent_email": "ouder.devries@example.org",
    }
    assert event.sent_at is None  # the relay sends it; it is not started here


async def test_pupils_registered_at_the_same_moment_each_get_the_next_elk_number(dossier):
    _, client = dossier

    answers = await asyncio.gather(*(client.post("/pupils", json=NOOR) for _ in range(12)))

    assert [answer.status_code for answer in answers] == [201] * 12
    assert sorted(int(answer.json()["elk_number"]) for answer in answers) == list(range(10001, 10013))


async def test_elk_numbers_count_up_in_the_region(dossier):
    _, client = dossier
    numbers = [(await client.post("/pupils", json=NOOR)).json()["elk_number"] for _ in range(3)]
    assert numbers == ["10001", "10002", "10003"]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("school_brin", "12AB", "location"),
        ("school_brin", "not a brin", "BRIN"),
        ("parent_email", "ouder-at-example.org", "email"),
        ("birth_date", "2031-01-01", "birth date"),
        ("given_name", "", "at least 1 character"),
    ],
)
async def test_bad_input_is_refused_saying_what_and_where_and_changes_nothing(dossier, field, value, says):
    runtime, client = dossier
    response = await client.post("/pupils", json={**NOOR, field: value})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", field]
    assert says.lower() in problem["msg"].lower()
    async with runtime.database.transaction() as session:
        assert (await session.execute(select(func.count()).select_from(Pupil))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(messaging.outbox))).scalar_one() == 0


async def test_pupils_from_outside_the_region_keep_their_b_number_and_do_not_shift_the_count(dossier):
    runtime, client = dossier
    async with runtime.database.transaction() as session:
        outsider = {**NOOR, "school_brin": "12AB01", "parent_email": "x@example.org"}
        session.add(
            Pupil(
                elk_number="B99999",
                created_at=datetime.now(UTC),
                **{k: v for k, v in outsider.items() if k != "birth_date"},
                birth_date=date(2014, 3, 9),
            )
        )
    assert (await client.post("/pupils", json=NOOR)).json()["elk_number"] == "10001"
