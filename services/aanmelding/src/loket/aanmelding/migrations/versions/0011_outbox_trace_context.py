"""outbox trace context: each event's row keeps the trace it was raised in, so that the trace of a
request runs on after the relay publishes the event (loket.contracts.runtime.tracing)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from loket.contracts.runtime.migrations import add_outbox_trace_context_v1, drop_outbox_trace_context_v1


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_trace_context_v1()


def downgrade() -> None:
    drop_outbox_trace_context_v1()
