"""A validly signed token whose subject is no account (not an id, or no account of identity's) is a
401 on every route that acts for its account, never a 500; so is one whose session id is not one."""

import time
from uuid import uuid4

import jwt
import pytest
from loket_test_support import staff_token

from loket.contracts.tokens import Role

SERVICE = "identity"
PUBLIC_URL = "https://ouders.loket.example"  # identity_settings in conftest.py
SOMEONE = str(uuid4())

# every route that acts for the caller's own account: the staff administration, meekijken and TOTP
ROUTES = [
    ("GET", "/staff", None),
    ("GET", f"/staff/{SOMEONE}", None),
    ("POST", "/staff", {"email": "nieuw@school.example", "role": "school_user", "school": "12AB01"}),
    ("POST", f"/staff/{SOMEONE}/invitation", None),
    ("PUT", f"/staff/{SOMEONE}/role", {"role": "school_user", "school": "12AB01"}),
    ("POST", f"/staff/{SOMEONE}/deactivation", None),
    ("DELETE", f"/staff/{SOMEONE}/deactivation", None),
    ("GET", "/boards/ZML/schools", None),
    ("PUT", "/boards/ZML/schools", {"schools": ["12AB01"]}),
    ("POST", "/impersonation", {"account_id": SOMEONE}),
    ("POST", "/second-factor/totp", None),
    ("POST", "/second-factor/totp/confirm", {"code": "123456"}),
    ("GET", "/second-factor", None),
    ("POST", "/second-factor/recovery-codes", None),
]


def token(tmp_path, subject: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A region administrator's token, signed with identity's own key, for `subject`."""
    return {"Authorization": f"Bearer {staff_token(tmp_path, PUBLIC_URL, role='region_admin', subject=subject)}"}


async def answers(identity, headers: dict[str, str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    found = {}
    for method, path, body in ROUTES:
        response = await identity.client.request(method, path, json=body, headers=headers)
        found[f"{method} {path}"] = response.status_code
        if response.status_code == 401:
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"', path
    return found


@pytest.mark.parametrize("subject", ["not-a-uuid", "12345678-1234-1234-1234-1234567890ab' OR 1=1", "x" * 300])
async def test_a_subject_that_is_not_an_account_id_is_a_401(identity, tmp_path, subject):
    found = await answers(identity, token(tmp_path, subject))
    assert found == dict.fromkeys(found, 401)
    body = (await identity.client.get("/staff", headers=token(tmp_path, subject))).json()
    assert body == {"detail": "the token's subject is not an account"}


async def test_a_subject_that_is_no_account_of_identity_s_is_a_401(identity, tmp_path):
    found = await answers(identity, token(tmp_path, str(uuid4())))
    assert found == dict.fromkeys(found, 401)


async def test_a_known_account_is_still_answered(identity):
    admin = await identity.add_staff("regio@loket.example", Role.REGION_ADMIN, totp=True)
    headers = {"Authorization": f"Bearer {await identity.token(admin)}"}
    assert (await identity.client.get("/staff", headers=headers)).status_code == 200
    assert (await identity.client.get("/second-factor", headers=headers)).json()["enrolled"] is True


async def test_a_session_id_that_is_not_one_is_refused(identity):
    """`sid` names the session that logging out or meekijken ends; identity's are UUIDs. identity's
    issuer makes no other, so the token is signed here with identity's own key."""
    admin = await identity.add_staff("regio@loket.example", Role.REGION_ADMIN, totp=True)
    issuer = identity.app.state.token_issuer
    key, now = issuer.keys.current(), int(time.time())
    claims = {"iss": issuer.issuer, "aud": "loket", "sub": str(admin.id), "role": "region_admin", "scope": {}}
    claims |= {"region": issuer.region, "iat": now, "exp": now + 600, "jti": uuid4().hex, "sid": "not-a-uuid"}
    signed = jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": key.kid})
    headers = {"Authorization": f"Bearer {signed}"}

    impersonation = await identity.client.post("/impersonation", json={"account_id": SOMEONE}, headers=headers)
    logout = await identity.client.post("/logout", headers=headers)

    assert impersonation.status_code == 401, impersonation.text
    assert logout.status_code == 204  # a bearer that is not valid names no session: nothing to end
