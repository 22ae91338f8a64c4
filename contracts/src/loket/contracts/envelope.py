"""The envelope every event travels in.

The JSON body on the bus is exactly one `Envelope`; the AMQP properties repeat the event id
(message_id), the routing key (type) and the correlation id so that operators can trace a message
without parsing it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from loket.contracts.events.base import EventPayload

P = TypeVar("P")


class Envelope(BaseModel, Generic[P]):
    """One event: who, what and when, and the payload of its type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: UUID = Field(description="Unique per event; consumers deduplicate on it (inbox).")
    type: str = Field(description="`<service>.<thing>.<verb>`, without the version.")
    version: int = Field(ge=1, description="Payload schema version; `type` + `.v` + version is the routing key.")
    occurred_at: AwareDatetime
    region: str = Field(min_length=1, description="The region whose instance produced the event.")
    correlation_id: UUID = Field(description="Shared by every event caused, directly or not, by one request.")
    causation_id: UUID | None = Field(
        default=None, description="The event that caused this one; empty when a request did."
    )
    payload: P

    @property
    def routing_key(self) -> str:
        return f"{self.type}.v{self.version}"


class RawEnvelope(Envelope[dict[str, Any]]):
    """An envelope whose payload is not yet checked against its event type."""


def new_envelope(
    payload: EventPayload,
    *,
    region: str,
    correlation_id: UUID | None = None,
    causation_id: UUID | None = None,
) -> Envelope[EventPayload]:
    spec = type(payload)
    # parametrised with the payload's own class, so that serialising writes all of its fields
    return Envelope[spec](  # type: ignore[valid-type]
        event_id=uuid4(),
        type=spec.event_type,
        version=spec.event_version,
        occurred_at=datetime.now(UTC),
        region=region,
        correlation_id=correlation_id or uuid4(),
        causation_id=causation_id,
        payload=payload,
    )
