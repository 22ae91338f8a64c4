"""The audit trail is a hash chain: each entry carries the hash of the one before it, so that a row
altered, deleted or moved in the database is found by `loket-dossier verify-audit`, which names it;
reads by staff at the same time still form one chain."""

import asyncio
import itertools

import pytest
from dossier_support import Dossier, organisation, pupil, register
from sqlalchemy import text
from sqlmodel import col, select

from loket.contracts.audit_chain import GENESIS, ChainReport, hash_link
from loket.dossier.__main__ import main as dossier_cli
from loket.dossier.domain.audit import CHAINED_FIELDS
from loket.dossier.persistence.audit import CHAIN
from loket.dossier.persistence.models import AuditEntry

SERVICE = "dossier"
pytestmark = pytest.mark.parametrize("migrated_database_url", ["postgresql"], indirect=True)


async def verify(dossier: Dossier) -> ChainReport:
    return await CHAIN.verify(dossier.runtime.work)


async def trail(dossier: Dossier) -> list[AuditEntry]:
    async with dossier.runtime.database.transaction() as session:
        return list((await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all())


async def reads(dossier: Dossier, pupil_id: str, *teachers: str) -> None:
    """Each teacher of group 8a reads the pupil's dossier: an entry each."""
    for teacher in teachers:
        response = await dossier.call("GET", f"/pupils/{pupil_id}", dossier.school_user(subject=teacher))
        assert response.status_code == 200, response.text


async def tamper(dossier: Dossier, *statements: str) -> None:
    """What someone with the database's owner rights could do: switch the insert-only trigger off."""
    async with dossier.runtime.database.transaction() as session:
        await session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_insert_only"))
        for statement in statements:
            await session.execute(text(statement))
        await session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_insert_only"))


@pytest.fixture
async def noor(dossier: Dossier) -> str:
    """Noor in group 8a, and her dossier read by three teachers: the trail's last three entries."""
    await organisation(dossier)
    noor = await register(dossier, pupil("Noor", "de Vries", group="8a"))
    await reads(dossier, noor, "t-8a", "t-8a", "t-8a")
    return noor


async def test_each_entry_carries_the_hash_of_the_one_before_it(dossier: Dossier, noor):
    entries = await trail(dossier)

    assert len(entries) >= 3 and entries[-1].action == "dossier.read"
    assert entries[0].previous_hash == GENESIS
    for before, entry in itertools.pairwise(entries):
        assert entry.previous_hash == before.entry_hash
    for entry in entries:
        fields = {name: getattr(entry, name) for name in CHAINED_FIELDS}
        assert entry.entry_hash == hash_link(entry.previous_hash or "", fields)
    assert await verify(dossier) == ChainReport(intact=len(entries), head=entries[-1].entry_hash or "", broken=None)


@pytest.mark.parametrize(
    "change",
    [
        "actor = 'someone-else'",
        "impersonator = 'board-contact-7'",
        "pupil_id = NULL",
        """detail = '{"part": "everything"}'""",
        "occurred_at = occurred_at + interval '1 second'",
    ],
)
async def test_a_row_altered_in_the_database_is_named(dossier: Dossier, noor, change):
    [*_, before, middle, _last] = await trail(dossier)

    await tamper(dossier, f"UPDATE audit_entry SET {change} WHERE id = {middle.id}")  # noqa: S608
    report = await verify(dossier)

    assert report.broken is not None
    assert report.broken.id == middle.id
    assert "altered" in report.broken.reason
    assert report.intact == before.id


async def test_a_deleted_row_is_found_at_the_entry_after_it(dossier: Dossier, noor):
    [*_, before, middle, last] = await trail(dossier)

    await tamper(dossier, f"DELETE FROM audit_entry WHERE id = {middle.id}")  # noqa: S608
    report = await verify(dossier)

    assert report.broken is not None and report.broken.id == last.id
    assert report.broken.reason.startswith(f"it does not follow entry {before.id}: an entry before it was deleted")


async def test_reads_at_the_same_time_still_form_one_chain(dossier: Dossier, noor):
    before = len(await trail(dossier))

    await asyncio.gather(
        *(reads(dossier, noor, "t-8a") for _ in range(12)),
        *(dossier.call("GET", "/pupils", dossier.school_admin()) for _ in range(12)),
    )

    report = await verify(dossier)
    assert report.broken is None
    assert report.intact == len(await trail(dossier)) == before + 24


async def test_the_operator_checks_the_chain_from_the_command_line(  # type: ignore[no-untyped-def]
    dossier: Dossier, noor, migrated_database_url, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("LOKET_DOSSIER_DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("LOKET_VAR_DIR", str(tmp_path))
    monkeypatch.setattr("loket.contracts.runtime.cli.configure_logging", lambda *_: None)  # keep pytest's logging
    entries = await trail(dossier)

    await asyncio.to_thread(dossier_cli, ["verify-audit"])  # returns: exit status 0
    intact = capsys.readouterr().out
    await tamper(dossier, f"UPDATE audit_entry SET actor_role = 'school_admin' WHERE id = {entries[1].id}")  # noqa: S608
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(dossier_cli, ["verify-audit"])
    broken = capsys.readouterr().out

    assert intact == f"audit chain intact: {len(entries)} entries (last hash {entries[-1].entry_hash})\n"
    assert exited.value.code == 1
    assert broken == (
        f"audit chain broken at entry {entries[1].id} ({entries[1].occurred_at.isoformat()}): its fields do not "
        "match its hash: the entry was altered; the 1 entry before it is intact\n"
    )
