"""Two changes to one registration at the same moment, one by the parent and one by the primary school,
on PostgreSQL: both paths take the registration with its row lock (`RegistrationRepository.active`),
so the second waits for the first to commit and then sees what it did.

The race the lock closes: the paper form used to read the pupil's registration without a lock. The
parent submits while the primary school enters the paper form; both check that the registration is
still in progress, both pass, and both commit: the parents' submitted list is replaced by the form's
without a refusal, and the registration is submitted twice (two `registration.submitted` events).
Run against that code, this test fails: both answers are 200 and two events are out."""

import asyncio
from typing import Any

import pytest

from loket.aanmelding.application import primary_school

SERVICE = "aanmelding"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
TO_COLLEGE = ["94AA00-havo", "94AB00-hv", "94AC00-havo"]


@pytest.mark.parametrize("migrated_database_url", ["postgresql"], indirect=True)  # SQLite has no row locks
async def test_the_parent_and_the_primary_school_change_one_registration_one_after_the_other(aanmelding, monkeypatch):
    pupil = await aanmelding.pupil_with_advice("havo")
    me, base = aanmelding.parent(pupil), f"/pupils/{pupil}/registration"
    for method, step, body in [
        ("POST", base, None),
        ("PUT", f"{base}/pupil-check", {"correct": True}),
        ("PUT", f"{base}/contact-check", {"correct": True}),
        ("PUT", f"{base}/preferences", {"programs": TO_LYCEUM}),
        ("PUT", f"{base}/signature", {"signed_by": "J. de Ouder"}),
    ]:
        assert (await aanmelding.call(method, step, me, json=body)).status_code in (200, 201)
    checked, go_on = asyncio.Event(), asyncio.Event()
    apply_list = primary_school.apply_list

    async def after_the_check(*args: Any, **kwargs: Any) -> None:  # the paper form checked: in progress
        checked.set()
        await go_on.wait()
        await apply_list(*args, **kwargs)

    monkeypatch.setattr(primary_school, "apply_list", after_the_check)
    form = {"programs": TO_COLLEGE, "signed_by": "M. de Ouder"}

    on_paper = asyncio.create_task(aanmelding.call("POST", f"{base}/paper-form", aanmelding.teacher(), json=form))
    await asyncio.wait_for(checked.wait(), timeout=10)
    submitting = asyncio.create_task(aanmelding.call("POST", f"{base}/submission", me))
    await asyncio.wait({submitting}, timeout=1)  # locked: the parent's submission waits for the paper form
    go_on.set()
    paper, submission = await on_paper, await submitting

    assert (paper.status_code, submission.status_code) == (200, 409)
    assert submission.json()["code"] == "already_submitted"
    assert len(await aanmelding.events("aanmelding.registration.submitted.v1")) == 1
