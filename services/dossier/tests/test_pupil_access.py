"""Only a school's own staff register its pupils, and only with a token identity signed for this region.

The tokens come from a stand-in for identity that knows nothing but the token contract; dossier
fetches its keys over HTTP (JWKS) through `loket.contracts.tokens`, as it does from identity."""

import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from loket_test_support import TokenAuthority, free_port
from sqlalchemy import func, select

from loket.dossier.app import build
from loket.dossier.persistence.models import Pupil
from loket.dossier.settings import DossierSettings

SERVICE = "dossier"
NOOR = {
    "given_name": "Noor",
    "family_name": "de Vries",
    "birth_date": "2014-03-09",
    "school_brin": "12AB01",
    "parent_email": "ouder.devries@example.org",
}


@pytest.fixture
async def dossier(migrated_database_url, token_authority):  # type: ignore[no-untyped-def]
    settings = DossierSettings(
        LOKET_DOSSIER_DATABASE_URL=migrated_database_url,
        identity_url=token_authority.url,
        token_issuer=token_authority.issuer,
    )
    runtime, app = build(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://dossier") as client:
        yield runtime, client
    await runtime.database.dispose()


async def register(client: httpx.AsyncClient, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await client.post("/pupils", json=NOOR, headers=headers)


async def pupils(runtime) -> int:  # type: ignore[no-untyped-def]
    async with runtime.database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(Pupil))).scalar_one())


async def test_a_teacher_of_the_school_registers_its_pupil(dossier, token_authority: TokenAuthority):
    runtime, client = dossier
    teacher = token_authority.mint(role="school_user", scope={"schools": ["12AB01"]})

    assert (await register(client, teacher)).status_code == 201
    assert await pupils(runtime) == 1


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return ".".join([header, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1], signature])


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (lambda a: None, "no bearer token"),
        (
            lambda a: a.mint(scope={"schools": ["12AB01"]}, iat=int(time.time()) - 900, exp=int(time.time()) - 60),
            "expired",
        ),
        (lambda a: tampered(a.mint(scope={"schools": ["12AB01"]})), "refused"),
        (lambda a: a.mint(scope={"schools": ["12AB01"]}, region="zaanstad"), "region"),
        (lambda a: a.mint(scope={"schools": ["12AB01"]}, key=Ed25519PrivateKey.generate()), "refused"),
        (lambda a: a.mint(scope={"schools": ["12AB01"]}, iss="http://elsewhere.test"), "refused"),
        (lambda a: a.mint(scope={"schools": ["12AB01"]}, aud="another-system"), "refused"),
        (lambda a: "not.a.token", "not a token"),
    ],
    ids=["none", "expired", "tampered", "other-region", "foreign-key", "other-issuer", "other-audience", "garbage"],
)
async def test_a_token_that_is_not_identitys_for_this_region_is_refused_and_changes_nothing(
    dossier, token_authority: TokenAuthority, token, says
):
    runtime, client = dossier

    response = await register(client, token(token_authority))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert says in response.json()["detail"]
    assert await pupils(runtime) == 0


@pytest.mark.parametrize(
    "claims",
    [
        {"role": "school_user", "scope": {"schools": ["34CD01"]}},
        {"role": "school_admin", "scope": {"schools": ["34CD01"]}},
        {"role": "board_contact", "scope": {"board": "B1", "schools": ["12AB01"]}},
        {"role": "parent", "scope": {"pupil": "00000000-0000-0000-0000-000000000001"}},
    ],
    ids=["teacher-elsewhere", "admin-elsewhere", "board-contact", "parent"],
)
async def test_staff_of_another_school_and_parents_may_not_register(dossier, token_authority: TokenAuthority, claims):
    runtime, client = dossier

    response = await register(client, token_authority.mint(**claims))

    assert response.status_code == 403
    assert "12AB01" in response.json()["detail"]
    assert await pupils(runtime) == 0


async def test_when_identitys_keys_cannot_be_fetched_the_answer_is_unavailable_not_unauthorised(
    migrated_database_url, token_authority: TokenAuthority
):
    settings = DossierSettings(
        LOKET_DOSSIER_DATABASE_URL=migrated_database_url,
        identity_url=f"http://127.0.0.1:{free_port()}",
        token_issuer=token_authority.issuer,
    )
    runtime, app = build(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://dossier") as client:
        response = await register(client, token_authority.mint(scope={"schools": ["12AB01"]}))
    await runtime.database.dispose()

    assert response.status_code == 503


async def test_a_board_contact_looking_along_is_named_on_the_answer(dossier, token_authority: TokenAuthority):
    _, client = dossier
    helped = token_authority.mint(scope={"schools": ["12AB01"]}, act={"sub": "contact-7", "role": "board_contact"})

    response = await register(client, helped)

    assert response.status_code == 201
    assert response.headers["Loket-Impersonated-By"] == "contact-7"
