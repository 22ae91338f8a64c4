"""A NUL character in a username names no account and cannot even be looked up in PostgreSQL: the
request is refused as invalid, never a 500 (found by the fuzz tests, tests/fuzz/)."""

SERVICE = "identity"


async def test_a_reset_asked_for_a_username_with_a_nul_is_a_422(identity):  # type: ignore[no-untyped-def]
    answer = await identity.client.post("/password-reset", json={"username": "juf\x00@school.example"})

    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "username"]
