"""Alembic per service: each service keeps its scripts in `loket/<service>/migrations`, whose
`env.py` calls `run_migrations` with the service's metadata."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from importlib.resources import files

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


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
