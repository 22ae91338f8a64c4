"""identity behind the web portal: the links in mails lead to the portal (`LOKET_IDENTITY_PORTAL_URL`),
while identity's own address stays the tokens' issuer; and the portal, a trusted proxy
(`LOKET_IDENTITY_TRUSTED_PROXIES`), says for whom it calls, so that each parent is counted on their own."""

import pytest
from pydantic import ValidationError

from loket.contracts.tokens import Role
from loket.identity.settings import IdentitySettings

from .conftest import opened_link

SERVICE = "identity"
PORTAL = "https://portaal.loket.example"
PORTAL_PEER = "10.0.0.5"
WRONG = {"username": "niemand@school.example", "password": "fout-wachtwoord"}


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_PORTAL_URL": PORTAL + "/"}])
async def test_links_in_mails_lead_to_the_portal_and_identity_stays_the_issuer(identity):
    link = await identity.ask_parent_login("10001")
    [activation] = await identity.outbox("identity.activation.issued.v2")
    assert opened_link(activation) == PORTAL + link

    await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.client.post("/password-reset", json={"username": "juf@school.example"})
    [reset] = await identity.outbox("identity.password_reset.issued.v2")
    assert opened_link(reset).startswith(PORTAL + "/reset/")

    from loket.identity.application.staff import NewStaff
    from loket.identity.domain.staff import Assignment

    new = NewStaff("meester@school.example", Assignment.of(Role.SCHOOL_USER, school="12AB01"))
    await identity.app.state.administration.invite(None, new, client_address=None)
    [invitation] = await identity.outbox("identity.invitation.issued.v2")
    assert opened_link(invitation).startswith(PORTAL + "/invitation/")

    assert (await identity.activate(link)).status_code == 200  # identity still answers the link itself
    token = await identity.token("10001")
    claims = await identity.app.state.token_issuer.verifier().verify(token)
    assert claims.iss == "https://ouders.loket.example"


def test_the_portal_defaults_to_identitys_own_address(monkeypatch):
    monkeypatch.setenv("LOKET_IDENTITY_PUBLIC_URL", "https://identity.loket.example")
    monkeypatch.delenv("LOKET_IDENTITY_PORTAL_URL", raising=False)
    assert IdentitySettings().portal_url == "https://identity.loket.example"


@pytest.mark.parametrize("proxies", ["*", "portaal", "10.0.0.5, *"])
def test_trusted_proxies_are_addresses_never_anyone(monkeypatch, proxies):
    monkeypatch.setenv("LOKET_IDENTITY_TRUSTED_PROXIES", proxies)
    with pytest.raises(ValidationError):
        IdentitySettings()


def test_trusted_proxies_are_read_comma_separated(monkeypatch):
    monkeypatch.setenv("LOKET_IDENTITY_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    assert IdentitySettings().trusted_proxies == ("10.0.0.5", "10.1.0.0/16")


@pytest.mark.parametrize(
    "identity_overrides",
    [{"LOKET_IDENTITY_TRUSTED_PROXIES": PORTAL_PEER, "LOKET_IDENTITY_THROTTLE_ADDRESS_ATTEMPTS": 3}],
)
async def test_behind_the_portal_each_parent_is_counted_at_their_own_address(identity, clock):
    async with identity.other_client(PORTAL_PEER) as portal:

        async def log_in_for(parent: str, username: str) -> int:
            body = WRONG | {"username": username}
            response = await portal.post("/login", json=body, headers={"X-Forwarded-For": parent})
            return response.status_code

        for n in range(3):
            assert await log_in_for("203.0.113.9", f"gok{n}@school.example") == 401
        assert await log_in_for("203.0.113.9", "gok9@school.example") == 429  # this parent's address
        assert await log_in_for("198.51.100.7", "gok9@school.example") == 401  # another parent: not lumped in
        # a parent who writes the header itself: the portal appends the address it saw, and that counts
        assert await log_in_for("203.0.113.1, 198.51.100.8", "gok9@school.example") == 401

    failed = [entry.client_address for entry in await identity.audit("login") if entry.outcome == "failed"]
    assert failed == ["203.0.113.9"] * 3 + ["198.51.100.7", "198.51.100.8"]


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_TRUSTED_PROXIES": PORTAL_PEER}])
async def test_from_anyone_else_the_header_counts_for_nothing(identity):
    async with identity.other_client("192.0.2.7") as stranger:
        await stranger.post("/login", json=WRONG, headers={"X-Forwarded-For": "203.0.113.9"})
    await identity.client.post("/login", json=WRONG, headers={"X-Forwarded-For": "203.0.113.10"})
    assert [entry.client_address for entry in await identity.audit("login")] == ["192.0.2.7", "127.0.0.1"]


async def test_without_trusted_proxies_the_peer_is_the_client(identity):
    async with identity.other_client(PORTAL_PEER) as portal:
        await portal.post("/login", json=WRONG, headers={"X-Forwarded-For": "203.0.113.9"})
    assert [entry.client_address for entry in await identity.audit("login")] == [PORTAL_PEER]
