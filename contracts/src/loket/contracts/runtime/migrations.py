"""Alembic per service: each service keeps its scripts in `loket/<service>/migrations`, whose
`env.py` calls `run_migrations` with the service's metadata."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from importlib.resources import files

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.sql.expression import TableClause


def alembic_config(package: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files(package) / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(package: str, url: str, revision: str = "head") -> None:
    """Bring a service's database to `revision`. Blocking: call it in a thread from async code."""
    command.upgrade(alembic_config(package, url), revision)


def run_migrations(metadata: MetaData) -> None:
    """The body of every service's `env.py`."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=metadata, literal_binds=True, render_as_batch=url.startswith("sqlite")
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, metadata))


async def _run_online(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_do_run, metadata, url.startswith("sqlite"))
    await engine.dispose()


# Every pod of a service migrates in its init container, so two pods rolled out together would run the
# same migrations at once and one would fail half-way ("relation already exists"). On PostgreSQL the
# migrating transaction first takes this advisory lock: the second waits, then finds nothing left to do.
# (SQLite lets one writer in at a time on its own.)
MIGRATION_LOCK = 0x4C4F4B4554  # "LOKET"; advisory locks are per database, and each service has its own


def _do_run(connection: Connection, metadata: MetaData, is_sqlite: bool) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=is_sqlite)
    with context.begin_transaction():
        if not is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


def create_messaging_tables_v1() -> None:
    """The outbox and inbox as every service's first migration creates them. Frozen: a later change
    to these tables is a new migration in each service, never an edit here."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("correlation_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"], unique=False)
    op.create_index(op.f("ix_outbox_sent_at"), "outbox", ["sent_at"], unique=False)


def drop_messaging_tables_v1() -> None:
    from alembic import op

    op.drop_index(op.f("ix_outbox_sent_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_next_attempt_at"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("inbox")


def add_outbox_trace_context_v1() -> None:
    """Inside a migration: the outbox row keeps the trace its event was raised in (runtime/tracing.py)."""
    from alembic import op

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("trace_context", sa.JSON(), nullable=True))


def drop_outbox_trace_context_v1() -> None:
    from alembic import op

    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("trace_context")


def create_insert_only_triggers_v1(service: str, tables: Sequence[str]) -> None:
    """Inside a migration: make `tables` insert-only. A trigger refuses UPDATE and DELETE (and on
    PostgreSQL TRUNCATE) with a message naming the table. SQLite drops a table's triggers when batch
    mode copies the table, so a later migration that alters one of them must call this again.

    Versioned like the messaging tables: a migration that ran keeps calling exactly this."""
    from alembic import op

    function = f"{service}_refuse_change"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{service}: % is insert-only; % refused', TG_TABLE_NAME, TG_OP;
            END
            $$
            """
        )
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        return
    for table in tables:
        for change in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{change.lower()} BEFORE {change} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{service}: {table} is insert-only; {change} refused'); END"
            )


def drop_insert_only_function_v1(service: str) -> None:
    """Inside a downgrade, after the insert-only tables are dropped (their triggers go with them)."""
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {service}_refuse_change()")


def add_audit_chain_v1(service: str, table: TableClause, fields: Sequence[str], *, batch: int = 1000) -> None:
    """Inside a migration: give the insert-only audit `table` its chain (`loket.contracts.audit_chain`):
    the columns `previous_hash` and `entry_hash`, the rows already there chained in id order from the
    genesis (the chain vouches for them from this migration on, not before), then both columns required
    and `previous_hash` unique, so that two entries can never chain onto the same predecessor. The
    insert-only triggers refuse the UPDATE that fills the columns: on PostgreSQL they are disabled for
    it, inside the migration's transaction; on SQLite they are dropped and made again afterwards, as
    batch mode's copy of the table drops them anyway. `table` names the chained `fields`, `id`,
    `previous_hash` and `entry_hash`.

    Versioned like the messaging tables: a migration that ran keeps calling exactly this."""
    from alembic import op

    from loket.contracts.audit_chain import GENESIS, hash_link

    name = table.name
    postgresql = op.get_bind().dialect.name == "postgresql"
    _audit_updates_allowed(name, postgresql)
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    fill = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(previous_hash=sa.bindparam("previous"), entry_hash=sa.bindparam("hash"))
    )
    head, after = GENESIS, 0
    while (
        rows := bind.execute(sa.select(table).where(table.c.id > after).order_by(table.c.id).limit(batch))
        .mappings()
        .all()
    ):
        filled = []
        for row in rows:
            previous, head = head, hash_link(head, {field: row[field] for field in fields})
            filled.append({"row_id": row["id"], "previous": previous, "hash": head})
        bind.execute(fill, filled)
        after = rows[-1]["id"]
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f(f"uq_{name}_previous_hash"), ["previous_hash"])
    _audit_insert_only_again(service, name, postgresql)


def drop_audit_chain_v1(service: str, name: str) -> None:
    """Inside a downgrade: the audit table `name` without its chain, insert-only as before."""
    from alembic import op

    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"uq_{name}_previous_hash"), type_="unique")
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("previous_hash")
    if not postgresql:
        _audit_insert_only_again(service, name, postgresql)


def _audit_updates_allowed(name: str, postgresql: bool) -> None:
    from alembic import op

    if postgresql:
        op.execute(f"ALTER TABLE {name} DISABLE TRIGGER {name}_insert_only")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {name}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {name}_no_delete")


def _audit_insert_only_again(service: str, name: str, postgresql: bool) -> None:
    from alembic import op

    if postgresql:
        op.execute(f"ALTER TABLE {name} ENABLE TRIGGER {name}_insert_only")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {name}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {name}_no_delete")
        create_insert_only_triggers_v1(service, (name,))
