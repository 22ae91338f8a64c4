"""Events dossier publishes."""

from uuid import UUID

from pydantic import EmailStr, Field

from loket.contracts.events.base import EventPayload, event


@event("dossier.pupil.registered", 1)
class PupilRegistered(EventPayload):
    """A primary school registered a pupil together with the first parent's e-mail address.

    Carries only what identity needs to open the parent account: no name, no birth date, no BSN.
    """

    pupil_id: UUID
    elk_number: str = Field(description="The pupil's number in the region; the parent's username.")
    school_brin: str = Field(description="The primary school: BRIN number with its location.")
    parent_email: EmailStr
