"""The BSN is stored only sealed (AES-256-GCM, bound to its pupil), shown only to the pupil's own
school, and never appears in an event, a log line, an audit entry or any other answer. A canary BSN
goes in through every door that takes one; then every GET of the API is asked by every kind of caller,
and the logs, the outbox and the database are searched for it."""

import base64
import logging
import stat
from uuid import uuid4

import pytest
from dossier_support import OWN_BOARD, OWN_SCHOOL, Dossier, pupil, register, roles, world
from sqlalchemy import select, text

from loket.contracts.runtime.logging import json_lines
from loket.dossier.adapters.bsn import BsnKeyError, BsnVault, new_key
from loket.dossier.persistence.models import AuditEntry, messaging
from loket.dossier.settings import DossierSettings

SERVICE = "dossier"

CANARY = "999990019"  # a valid BSN from the range the government keeps for tests
SECOND = "999990020"
SEES_THE_BSN = {"school_admin", "school_user_in_group", "school_user_no_group"}


def filled(path: str, the_world, own: bool = True) -> str:  # type: ignore[no-untyped-def]
    values = {
        "{pupil_id}": the_world.noor,
        "{brin}": OWN_SCHOOL,
        "{code}": OWN_BOARD,
        "{group_id}": the_world.own_group,
    }
    for name, value in values.items():
        path = path.replace(name, value)
    return path


async def test_a_canary_bsn_is_in_no_answer_event_log_or_column_but_the_schools_own(dossier: Dossier, caplog):
    caplog.set_level(logging.DEBUG)
    the_world = await world(dossier, noor_bsn=CANARY)
    callers = roles(dossier, the_world)
    teacher = callers["school_user_in_group"]
    sem = await dossier.call("PATCH", f"/pupils/{the_world.sem}", dossier.school_admin(), json={"bsn": SECOND})
    assert sem.status_code == 200 and sem.json()["bsn"] == SECOND

    seen_by = set()
    gets = [path for path, operations in dossier.app.openapi()["paths"].items() if "get" in operations]
    for role, headers in callers.items():
        for path in gets:
            response = await dossier.call("GET", filled(path, the_world), headers)
            if CANARY in response.text or SECOND in response.text:
                seen_by.add((role, path))
    assert seen_by == {(role, "/pupils/{pupil_id}") for role in SEES_THE_BSN}

    for refused in ("999990018", f"{CANARY}0", f"x{CANARY}"):  # mistyped: the 422 does not repeat it
        wrong = await dossier.call("PATCH", f"/pupils/{the_world.noor}", teacher, json={"bsn": refused})
        assert wrong.status_code == 422 and refused not in wrong.text
        wrong = await dossier.call("POST", "/pupils", teacher, json={**pupil("Fenna", "Visser"), "bsn": refused})
        assert wrong.status_code == 422 and refused not in wrong.text
    assert CANARY not in caplog.text and SECOND not in caplog.text
    as_shipped = "\n".join(json_lines().format(record) for record in caplog.records)  # `extra` fields too
    assert caplog.records and CANARY not in as_shipped and SECOND not in as_shipped

    async with dossier.runtime.database.transaction() as session:
        events = (await session.execute(select(messaging.outbox.c.body))).scalars().all()
        audit = (await session.execute(select(AuditEntry.detail))).scalars().all()  # type: ignore[call-overload]
        sealed = (await session.execute(text("SELECT bsn_sealed FROM pupil WHERE bsn_sealed IS NOT NULL"))).scalars()
        dumped = [str(row) for row in (await session.execute(text("SELECT * FROM pupil"))).all()]
    assert events and CANARY not in str(events) and SECOND not in str(events)
    assert CANARY not in str(audit)
    assert all(CANARY.encode() not in bytes(value) for value in sealed)
    assert not any(CANARY in row or SECOND in row for row in dumped)


async def test_the_school_can_forget_a_bsn(dossier: Dossier):
    noor = await register(dossier, {**pupil("Noor", "de Vries"), "bsn": CANARY})

    forgotten = await dossier.call("PATCH", f"/pupils/{noor}", dossier.school_admin(), json={"bsn": None})

    assert forgotten.json()["bsn"] is None
    trail = await dossier.call("GET", f"/pupils/{noor}/audit", dossier.school_admin())
    assert [entry["detail"] for entry in trail.json() if entry["action"] == "bsn.changed"] == [{"known": False}]


def test_a_sealed_bsn_opens_only_with_its_key_and_for_its_own_pupil(tmp_path):
    noor, sem = uuid4(), uuid4()
    vault = BsnVault(new_key(), tmp_path / "unused")
    sealed = vault.seal(CANARY, noor)

    assert vault.open(sealed, noor) == CANARY
    assert vault.seal(CANARY, noor) != sealed  # a fresh nonce every time
    with pytest.raises(BsnKeyError):
        vault.open(sealed, sem)
    with pytest.raises(BsnKeyError):
        BsnVault(new_key(), tmp_path / "unused").open(sealed, noor)


def test_without_a_configured_key_a_private_key_file_is_made_under_var_on_first_use(tmp_path):
    settings = DossierSettings(var_dir=tmp_path)
    vault = BsnVault(None, settings.bsn_key_path)
    assert not settings.bsn_key_path.exists()  # nothing until a BSN is sealed

    sealed = vault.seal(CANARY, (noor := uuid4()))

    assert settings.bsn_key_path == tmp_path / "dossier-bsn.key"
    assert stat.S_IMODE(settings.bsn_key_path.stat().st_mode) == 0o600
    assert BsnVault(None, settings.bsn_key_path).open(sealed, noor) == CANARY


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"too short").decode()])
def test_a_malformed_key_stops_the_service_from_starting(key):
    with pytest.raises(ValueError, match="LOKET_DOSSIER_BSN_KEY"):
        DossierSettings(LOKET_DOSSIER_BSN_KEY=key)
