"""The audit log is a hash chain: each entry carries the hash of the one before it, so that a row altered,
deleted or moved in the database is found by `loket-identity verify-audit`, which names it; entries
appended at the same time still form one chain."""

import asyncio
import itertools
from datetime import UTC, datetime
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from loket.contracts.audit_chain import GENESIS, ChainReport, hash_link
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.migrations import upgrade
from loket.contracts.tables import UtcDateTime
from loket.contracts.tokens import Role
from loket.identity.__main__ import main as identity_cli
from loket.identity.app import build
from loket.identity.domain.audit import CHAINED_FIELDS, AuditAction, Outcome
from loket.identity.persistence.audit import CHAIN
from loket.identity.settings import IdentitySettings

SERVICE = "identity"
ON_POSTGRESQL = pytest.mark.parametrize("migrated_database_url", ["postgresql"], indirect=True)


async def verify(identity) -> ChainReport:  # type: ignore[no-untyped-def]
    return await CHAIN.verify(identity.runtime.work)


async def some_entries(identity) -> None:  # type: ignore[no-untyped-def]
    """Five entries: a login, a wrong password, another login, and two written in one unit of work."""
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    assert (await identity.log_in(teacher)).status_code == 200  # entry 1
    assert (await identity.log_in(teacher, "niet-het-wachtwoord")).status_code == 401  # entry 2
    assert (await identity.log_in(teacher)).status_code == 200  # entry 3
    async with identity.runtime.work() as uow:  # entries 4 and 5
        uow.audit.record(AuditAction.ROLE_CHANGED, Outcome.SUCCEEDED, actor_id="cli", subject_id=teacher.id, to="x")
        uow.audit.record(AuditAction.ACCOUNT_DEACTIVATED, Outcome.SUCCEEDED, actor_id="cli", subject_id=teacher.id)


async def tamper(identity, *statements: str, **values: str) -> None:  # type: ignore[no-untyped-def]
    """What someone with the database's owner rights could do: switch the insert-only trigger off."""
    async with identity.runtime.database.transaction() as session:
        await session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_insert_only"))
        for statement in statements:
            await session.execute(text(statement), values)
        await session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_insert_only"))


@ON_POSTGRESQL
async def test_each_entry_carries_the_hash_of_the_one_before_it(identity):
    await some_entries(identity)

    entries = await identity.audit()

    assert [entry.id for entry in entries] == [1, 2, 3, 4, 5]
    assert entries[0].previous_hash == GENESIS
    for before, entry in itertools.pairwise(entries):
        assert entry.previous_hash == before.entry_hash
    for entry in entries:
        fields = {name: getattr(entry, name) for name in CHAINED_FIELDS}
        assert entry.entry_hash == hash_link(entry.previous_hash, fields)
    assert await verify(identity) == ChainReport(intact=5, head=entries[-1].entry_hash, broken=None)


@ON_POSTGRESQL
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("outcome", "'succeeded'"),
        ("actor_id", "'someone-else'"),
        ("occurred_at", "occurred_at - interval '1 hour'"),
        ("detail", """'{"reason": "wrong_password", "during": "later"}'"""),
    ],
)
async def test_a_row_altered_in_the_database_is_named(identity, column, value):
    await some_entries(identity)
    [wrong_password] = [entry for entry in await identity.audit() if entry.outcome == "failed"]

    await tamper(identity, f"UPDATE audit_event SET {column} = {value} WHERE id = 2")  # noqa: S608
    report = await verify(identity)

    assert report.broken is not None
    assert report.broken.id == wrong_password.id == 2
    assert "altered" in report.broken.reason
    assert report.intact == 1


@ON_POSTGRESQL
async def test_a_deleted_row_is_found_at_the_entry_after_it(identity):
    await some_entries(identity)

    await tamper(identity, "DELETE FROM audit_event WHERE id = 3")
    report = await verify(identity)

    assert report.broken is not None
    assert report.broken.id == 4
    assert report.broken.reason.startswith("it does not follow entry 2: an entry before it was deleted")


@ON_POSTGRESQL
async def test_a_row_rewritten_with_a_new_hash_of_its_own_breaks_the_link_to_the_next(identity):
    await some_entries(identity)
    second = (await identity.audit())[1]
    fields = {name: getattr(second, name) for name in CHAINED_FIELDS} | {"outcome": "succeeded"}
    forged = hash_link(second.previous_hash, fields)

    await tamper(
        identity, "UPDATE audit_event SET outcome = 'succeeded', entry_hash = :forged WHERE id = 2", forged=forged
    )
    report = await verify(identity)

    assert report.broken is not None and report.broken.id == 3
    assert "does not follow entry 2" in report.broken.reason


@ON_POSTGRESQL
async def test_rows_swapped_in_the_database_are_found(identity):
    await some_entries(identity)

    await tamper(
        identity,
        "UPDATE audit_event SET id = 100 WHERE id = 2",
        "UPDATE audit_event SET id = 2 WHERE id = 3",
        "UPDATE audit_event SET id = 3 WHERE id = 100",
    )
    report = await verify(identity)

    assert report.broken is not None and report.broken.id == 2
    assert "does not follow entry 1" in report.broken.reason


@ON_POSTGRESQL
async def test_the_first_row_deleted_is_found(identity):
    await some_entries(identity)

    await tamper(identity, "DELETE FROM audit_event WHERE id = 1")
    report = await verify(identity)

    assert report.broken is not None and report.broken.id == 2
    assert "does not follow the start of the log" in report.broken.reason


@ON_POSTGRESQL
async def test_audited_actions_at_the_same_time_still_form_one_chain(identity):
    accounts = [await identity.add_staff(f"juf{n}@school.example", Role.SCHOOL_USER, school="12AB01") for n in range(6)]

    async def bare_entry(n: int) -> None:
        async with identity.runtime.work() as uow:
            uow.audit.record(AuditAction.SESSION_ENDED, Outcome.SUCCEEDED, actor_id=f"cli-{n}")

    wrong = [identity.log_in(account, "fout-wachtwoord") for account in accounts]
    right = [identity.log_in(account) for account in accounts]
    results = await asyncio.gather(*wrong, *right, *(bare_entry(n) for n in range(20)))

    assert [result.status_code for result in results[:12]] == [401] * 6 + [200] * 6
    report = await verify(identity)
    assert report == ChainReport(intact=len(await identity.audit()), head=report.head, broken=None)
    assert report.intact == 20 + 6 * 2


@ON_POSTGRESQL
async def test_an_append_without_the_lock_is_refused_rather_than_forking_the_chain(identity):
    await some_entries(identity)
    [last] = (await identity.audit())[-1:]
    fork = text(
        "INSERT INTO audit_event (occurred_at, action, outcome, detail, previous_hash, entry_hash) "
        "VALUES (now(), 'login', 'failed', '{}', :previous, :hash)"
    )

    with pytest.raises(DBAPIError, match="uq_audit_event_previous_hash"):
        async with identity.runtime.database.transaction() as session:
            await session.execute(fork, {"previous": last.previous_hash, "hash": "f" * 64})


@ON_POSTGRESQL
async def test_the_operator_checks_the_chain_from_the_command_line(
    identity, migrated_database_url, tmp_path, capsys, monkeypatch
):  # type: ignore[no-untyped-def]
    await some_entries(identity)
    for name, value in {
        "LOKET_IDENTITY_DATABASE_URL": migrated_database_url,
        "LOKET_IDENTITY_PUBLIC_URL": "https://ouders.loket.example",
        "LOKET_IDENTITY_KEYS_DIR": str(tmp_path / "identity-keys"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("loket.contracts.runtime.cli.configure_logging", lambda *_: None)  # keep pytest's logging

    await asyncio.to_thread(identity_cli, ["verify-audit"])  # returns: exit status 0
    intact = capsys.readouterr().out
    await tamper(identity, "UPDATE audit_event SET actor_role = 'region_admin' WHERE id = 4")
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(identity_cli, ["verify-audit"])
    broken = capsys.readouterr().out

    head = (await identity.audit())[-1].entry_hash
    assert intact == f"audit chain intact: 5 entries (last hash {head})\n"
    assert exited.value.code == 1
    occurred_at = (await identity.audit())[3].occurred_at.isoformat()
    assert broken == (
        f"audit chain broken at entry 4 ({occurred_at}): its fields do not match its hash: the entry was altered; "
        "the 3 entries before it are intact\n"
    )


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
async def test_the_migration_chains_the_entries_already_there(dialect, database_url, tmp_path):
    url = database_url if dialect == "postgresql" else f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    await asyncio.to_thread(upgrade, "loket.identity", url, "0006")
    before = sa.table(
        "audit_event",
        sa.column("occurred_at", UtcDateTime()),
        sa.column("action", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("actor_id", sa.String()),
        sa.column("session_id", sa.Uuid()),
        sa.column("detail", sa.JSON()),
    )
    rows = [
        {
            "occurred_at": datetime(2026, 12, n + 1, 10, 0, 0, 123456, tzinfo=UTC),
            "action": "login",
            "outcome": "failed" if n == 1 else "succeeded",
            "actor_id": f"account-{n}",
            "session_id": uuid4(),
            "detail": {"during": "login", "n": n},
        }
        for n in range(3)
    ]
    database = Database(url)
    async with database.transaction() as session:
        await session.execute(before.insert(), rows)
    await database.dispose()

    await asyncio.to_thread(upgrade, "loket.identity", url)
    runtime, _ = build(
        IdentitySettings(
            LOKET_IDENTITY_DATABASE_URL=url,
            LOKET_IDENTITY_PUBLIC_URL="https://ouders.loket.example",
            LOKET_IDENTITY_KEYS_DIR=tmp_path / "identity-keys",
        )
    )
    try:
        report = await CHAIN.verify(runtime.work)
        async with runtime.work() as uow:  # and the next entry follows them
            uow.audit.record(AuditAction.LOGIN, Outcome.SUCCEEDED, actor_id="account-3")
        after = await CHAIN.verify(runtime.work)
        with pytest.raises(DBAPIError, match="insert-only"):  # the triggers are back
            async with runtime.database.transaction() as session:
                await session.execute(text("UPDATE audit_event SET outcome = 'succeeded'"))
    finally:
        await runtime.database.dispose()

    assert report.broken is None and report.intact == 3
    assert after.broken is None and after.intact == 4
