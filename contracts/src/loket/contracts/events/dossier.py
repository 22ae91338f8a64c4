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


@event("dossier.registration_form.outdated", 1)
class RegistrationFormOutdated(EventPayload):
    """The primary school changed the pupil's details (name, birth date, address, parents): a fresh
    registration form is needed. The parent login stays as it is.

    Says only which pupil; whoever prepares the form reads the details where it may.
    """

    pupil_id: UUID
    school_brin: str = Field(description="The primary school: BRIN number with its location.")


@event("dossier.final_advice.given", 1)
class FinalAdviceGiven(EventPayload):
    """The primary school gave (or changed) the pupil's final advice; it opens registration for the pupil.

    Carries the advice and nothing else about the pupil.
    """

    pupil_id: UUID
    school_brin: str = Field(description="The primary school: BRIN number with its location.")
    advice: str = Field(
        description="The final advice: one level or two adjacent ones, low/high: pro, vmbo_b, vmbo_k, "
        "vmbo_gt, havo, vwo (e.g. `havo`, `vmbo_gt/havo`)."
    )
