"""A staff member's TOTP secret is sealed at rest: the database alone does not give the codes. One stored
before sealing still works, and is sealed at the next login."""

from sqlalchemy import text

from loket.contracts.tokens import Role

SERVICE = "identity"


async def stored_secret(identity, email: str) -> str:  # type: ignore[no-untyped-def]
    async with identity.runtime.database.transaction() as session:
        found = await session.execute(text("SELECT totp_secret FROM staff_account WHERE email = :e"), {"e": email})
        return str(found.scalar_one())


async def test_an_enrolled_secret_is_stored_sealed_and_codes_from_it_log_in(identity):
    admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01")

    first = await identity.log_in(admin, code=None)
    secret = first.json()["totp_secret"]
    enrolled = await identity.log_in(admin, code=identity.phone.code(secret))

    assert enrolled.status_code == 200, enrolled.text
    kept = await stored_secret(identity, admin.email)
    assert kept.startswith("v1:") and secret not in kept
    again = await identity.log_in(admin, code=identity.phone.code(secret))
    assert again.status_code == 200


async def test_a_secret_stored_before_sealing_still_works_and_is_sealed_at_the_next_login(identity):
    admin = await identity.add_staff("regio@loket.example", Role.REGION_ADMIN, totp=True)
    assert await stored_secret(identity, admin.email) == admin.totp_secret  # as an older Loket kept it

    assert (await identity.log_in(admin)).status_code == 200

    kept = await stored_secret(identity, admin.email)
    assert kept.startswith("v1:") and admin.totp_secret not in kept
    assert (await identity.log_in(admin)).status_code == 200  # the same secret: the phone's app goes on
