"""The region's administrator looks along as any school's staff member (meekijken), and reads the whole
region's audit log a page at a time, the newest first, with the staff members named by e-mail address."""

from loket.contracts.tokens import Role

SERVICE = "identity"


async def test_the_region_looks_along_and_reads_it_in_the_audit_log(identity):
    region = await identity.add_staff("regio@loket.example", Role.REGION_ADMIN, totp=True)
    teacher = await identity.add_staff("juf@12ab01.example", Role.SCHOOL_USER, school="12AB01", groups=["8a"])
    region_token = await identity.token(region)
    as_region = {"Authorization": f"Bearer {region_token}"}

    first = await identity.client.get("/audit", params={"limit": 1}, headers=as_region)
    assert first.status_code == 200, first.text
    total = int(first.headers["X-Total-Count"])
    assert total >= 1 and len(first.json()) == 1

    started = await identity.client.post("/impersonation", json={"account_id": str(teacher.id)}, headers=as_region)

    assert started.status_code == 200, started.text
    assert started.json()["impersonated_by"] == {"sub": str(region.id), "role": "region_admin"}
    as_teacher = {"Authorization": f"Bearer {started.json()['access_token']}"}
    assert (await identity.client.get("/audit", headers=as_teacher)).status_code == 403  # not while looking along

    again = await identity.token(region)
    newest = await identity.client.get(
        "/audit", params={"limit": 5, "action": "impersonation.started"}, headers={"Authorization": f"Bearer {again}"}
    )
    [entry] = newest.json()
    assert (entry["actor_email"], entry["subject_email"], entry["actor_role"]) == (
        "regio@loket.example",
        "juf@12ab01.example",
        "region_admin",
    )
    as_region = {"Authorization": f"Bearer {again}"}
    everything = await identity.client.get("/audit", params={"limit": 500}, headers=as_region)
    ids = [row["id"] for row in everything.json()]
    assert ids == sorted(ids, reverse=True) and int(everything.headers["X-Total-Count"]) > total
    oldest = await identity.client.get(
        "/audit", params={"limit": 1, "sort": "id"}, headers={"Authorization": f"Bearer {again}"}
    )
    assert oldest.json()[0]["id"] == min(ids)
