"""The events a registration's changes cause, built from the stored registration. Each is put in the
outbox in the transaction of the change it tells of."""

from __future__ import annotations

from datetime import datetime

from loket.aanmelding.persistence.models import Registration
from loket.contracts.events import RegistrationProgressed, RegistrationSubmitted, RegistrationWithdrawn
from loket.contracts.events.aanmelding import RegistrationStep


def submitted(registration: Registration, at: datetime) -> RegistrationSubmitted:
    """The registration reached its school of first choice (which may now read the pupil's dossier)."""
    assert registration.first_choice_brin is not None
    return RegistrationSubmitted(
        pupil_id=registration.pupil_id,
        registration_id=registration.id,
        school_brins=(registration.first_choice_brin,),
        submitted_at=at,
    )


def withdrawn(registration: Registration, at: datetime) -> RegistrationWithdrawn:
    assert registration.first_choice_brin is not None
    return RegistrationWithdrawn(
        pupil_id=registration.pupil_id,
        registration_id=registration.id,
        school_brins=(registration.first_choice_brin,),
        withdrawn_at=at,
    )


def progressed(
    registration: Registration, step: RegistrationStep, at: datetime, *, by_primary_school: bool = False
) -> RegistrationProgressed:
    """A step before the registration reaches a secondary school."""
    return RegistrationProgressed(
        pupil_id=registration.pupil_id,
        registration_id=registration.id,
        primary_school_brin=registration.school_brin,
        round=registration.round_code,
        step=step,
        by_primary_school=by_primary_school,
        at=at,
    )
