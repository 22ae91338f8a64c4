"""The base of every event payload and the catalog that knows them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

SERVICES = ("identity", "dossier", "aanmelding", "loting", "notificatie")


class EventPayload(BaseModel):
    """What an event says. Subclasses are registered with `@event`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    producer: ClassVar[str]
    journaled: ClassVar[bool]

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.event_type}.v{cls.event_version}"


E = TypeVar("E", bound=type[EventPayload])

CATALOG: dict[str, type[EventPayload]] = {}
"""Every event payload by routing key (`dossier.pupil.registered.v1`)."""


def event(event_type: str, version: int, *, journaled: bool = True) -> Callable[[E], E]:
    """Register a payload class as the schema of `<event_type>.v<version>`.

    The producing service is the first part of the name: only it may publish the event. `journaled=False`
    for an event that carries a credential (a link that logs in) or contact details: it goes to its
    consumers only and is never kept in the journal (`loket.contracts.topology.JOURNAL`).
    """
    producer, *rest = event_type.split(".")
    if producer not in SERVICES or len(rest) != 2 or not all(rest):
        raise ValueError(f"event type {event_type!r} is not <service>.<thing>.<verb>")

    def register(cls: E) -> E:
        cls.event_type = event_type
        cls.event_version = version
        cls.producer = producer
        cls.journaled = journaled
        key = cls.routing_key()
        if key in CATALOG:
            raise ValueError(f"event {key} is registered twice")
        CATALOG[key] = cls
        return cls

    return register
