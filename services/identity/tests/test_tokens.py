"""identity signs access tokens with a key it publishes, and can rotate keys without breaking anyone."""

import asyncio
import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from loket.contracts.tokens import Actor, InvalidToken, Role, Scope, TokenVerifier
from loket.identity.adapters.keys_cli import main as keys_cli
from loket.identity.adapters.tokens import SigningKeys, TokenIssuer
from loket.identity.app import build
from loket.identity.settings import IdentitySettings

ISSUER = "https://identity.loket.example"


@pytest.fixture
def keys(tmp_path):  # type: ignore[no-untyped-def]
    return SigningKeys(tmp_path / "keys")


@pytest.fixture
async def jwks_client(keys):  # type: ignore[no-untyped-def]
    """identity's HTTP app serving the key folder, reached by the verifier over its HTTP client."""
    settings = IdentitySettings(
        LOKET_IDENTITY_DATABASE_URL="sqlite+aiosqlite:///:memory:",
        LOKET_IDENTITY_PUBLIC_URL=ISSUER,
        LOKET_IDENTITY_KEYS_DIR=keys.folder,
    )
    _, app = build(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://identity") as client:
        yield client


def verifier(client: httpx.AsyncClient, region: str = "demo") -> TokenVerifier:
    return TokenVerifier(
        jwks_url="http://identity/.well-known/jwks.json",
        issuer=ISSUER,
        region=region,
        client=client,
        refresh_interval=0,
    )


async def test_a_token_verifies_against_the_published_keys_and_carries_role_region_and_scope(keys, jwks_client):
    issuer = TokenIssuer(keys, issuer=ISSUER, region="demo")
    scope = Scope(schools=("12AB01",), groups=("8A",))

    claims = await verifier(jwks_client).verify(issuer.issue(subject="u1", role=Role.SCHOOL_USER, scope=scope).token)

    assert (claims.sub, claims.role, claims.region, claims.scope) == ("u1", Role.SCHOOL_USER, "demo", scope)
    assert claims.exp - claims.iat == 600
    published = (await jwks_client.get("/.well-known/jwks.json")).json()["keys"]
    assert [key["kid"] for key in published] == [keys.current().kid]
    assert all("d" not in key for key in published)  # public halves only


class SlowNetwork(httpx.AsyncBaseTransport):
    """identity's answers, a moment late, as over a real network."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        answer = await self.client.get(str(request.url))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


async def test_requests_that_come_in_together_with_the_first_all_wait_for_its_keys(keys, jwks_client):
    token = TokenIssuer(keys, issuer=ISSUER, region="demo").issue(subject="u1", role=Role.SCHOOL_USER, scope=Scope())
    async with httpx.AsyncClient(transport=SlowNetwork(jwks_client)) as slow:
        fresh = TokenVerifier(
            jwks_url="http://identity/.well-known/jwks.json", issuer=ISSUER, region="demo", client=slow
        )

        verified = await asyncio.gather(*(fresh.verify(token.token) for _ in range(5)))

    assert [claims.sub for claims in verified] == ["u1"] * 5


async def test_after_a_rotation_the_new_key_signs_and_tokens_of_the_old_one_still_verify(keys, jwks_client):
    issuer = TokenIssuer(keys, issuer=ISSUER, region="demo")
    check = verifier(jwks_client)
    old = issuer.issue(subject="u1", role=Role.PARENT, scope=Scope()).token
    await check.verify(old)  # the verifier has fetched the keys once

    new_kid = keys.rotate()
    new = issuer.issue(subject="u1", role=Role.PARENT, scope=Scope()).token

    assert keys.current().kid == new_kid
    assert (await check.verify(new)).sub == "u1"  # an unknown kid makes the verifier fetch again
    assert (await check.verify(old)).sub == "u1"


async def test_expired_other_region_and_impersonation_are_what_the_token_says(keys, jwks_client):
    issuer = TokenIssuer(keys, issuer=ISSUER, region="demo")
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    expired = issuer.issue(subject="u1", role=Role.SCHOOL_USER, scope=Scope(), now=long_ago).token
    board = Actor(sub="contact-1", role=Role.BOARD_CONTACT)
    helped = issuer.issue(subject="u2", role=Role.SCHOOL_USER, scope=Scope(schools=("12AB01",)), act=board).token

    with pytest.raises(InvalidToken, match="expired"):
        await verifier(jwks_client).verify(expired)
    with pytest.raises(InvalidToken, match="region"):
        await verifier(jwks_client, region="zaanstad").verify(helped)
    assert (await verifier(jwks_client).verify(helped)).act == board


async def test_identity_verifies_its_own_tokens_from_its_key_folder(keys):
    issuer = TokenIssuer(keys, issuer=ISSUER, region="demo")
    token = issuer.issue(subject="u1", role=Role.REGION_ADMIN, scope=Scope()).token

    assert (await issuer.verifier().verify(token)).role is Role.REGION_ADMIN


def test_key_files_are_readable_by_their_owner_only(keys):
    kid = keys.rotate()

    assert os.stat(keys.folder / f"{kid}.pem").st_mode & 0o777 == 0o600


async def test_an_operator_token_from_the_command_line_verifies(tmp_path, monkeypatch, capsys, jwks_client, keys):
    monkeypatch.setenv("LOKET_IDENTITY_KEYS_DIR", str(keys.folder))
    monkeypatch.setenv("LOKET_IDENTITY_PUBLIC_URL", ISSUER)

    assert keys_cli(["token", "--role", "school_admin", "--school", "12ab01"]) == 0
    claims = await verifier(jwks_client).verify(capsys.readouterr().out.strip())

    assert claims.role is Role.SCHOOL_ADMIN and claims.scope.schools == ("12AB01",)
