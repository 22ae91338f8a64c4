"""Events dossier publishes."""

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import EmailStr, Field

from loket.contracts.events.base import EventPayload, event


@event("dossier.pupil.registered", 1, journaled=False)
class PupilRegistered(EventPayload):
    """A primary school registered a pupil together with the first parent's e-mail address.

    Nobody is mailed: the parent login is a later, explicit step of the school
    (`dossier.parent_login.requested.v1`). identity answers with the parent logins the region offers
    for the pupil (`identity.parent_login.state_changed.v1`, not sent). No name, no birth date, no BSN.
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


@event("dossier.pupil.group_changed", 1)
class PupilGroupChanged(EventPayload):
    """The primary school put a pupil in a group (at registration, by an import or by hand), or in none.

    A teacher limited to some groups sees only the pupils of those groups, in every service; this is how
    the others learn the pupil's group. Says which pupil and which group, nothing else.
    """

    pupil_id: UUID
    school_brin: str = Field(description="The primary school: BRIN number with its location.")
    group: str | None = Field(description="The group's name at that school (e.g. `8a`); null: no group.")


@event("dossier.group.teachers_changed", 1)
class GroupTeachersChanged(EventPayload):
    """A school's administrator set who teaches a group. A school user who teaches some groups sees only
    the pupils of those groups (with the groups their token names, if any).

    Carries the whole set, so that the last one counts.
    """

    school_brin: str = Field(description="The primary school: BRIN number with its location.")
    group: str = Field(description="The group's name at that school (e.g. `8a`).")
    teachers: list[str] = Field(description="The teachers' staff accounts (token subjects); empty: none.")


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


@event("dossier.parent_login.requested", 1, journaled=False)
class ParentLoginRequested(EventPayload):
    """The primary school asks for one parent's login to one pupil ("ouderinlog versturen"), never in
    bulk: the school has checked the address. identity opens the parent account (or, while it is not
    activated yet, replaces its link) and mails a single-use activation link.

    Carries what identity needs to open the account and to check the parent's answers at activation:
    the pupil's school and birth date. This is the one event that carries a birth date; identity keeps
    it only until the account is activated. No name, no BSN.
    """

    pupil_id: UUID
    parent: Literal[1, 2] = Field(
        default=1, description="Which parent: 1 the first parent (always), 2 a second one (where the region allows it)."
    )
    elk_number: str = Field(description="The pupil's number in the region; the parent's username (a second: `-2`).")
    school_brin: str = Field(description="The primary school: BRIN number with its location.")
    school_name: str | None = Field(
        default=None, description="The school's name as parents know it, for the activation question; null if unknown."
    )
    birth_date: date = Field(description="The pupil's birth date, which the parent is asked at activation.")
    parent_email: EmailStr = Field(description="Where the activation link goes, as the school checked it.")
    language: str = Field(default="nl", description="The language of the parent's mail and page (BCP 47), e.g. nl, en.")


@event("dossier.school.contact_changed", 1, journaled=False)
class SchoolContactChanged(EventPayload):
    """A school was set up, or its name or contact address changed. The contact address is where the
    school hears of questions about its pupils and answers to its own questions; a school's address,
    never a person's or a parent's. Carries the whole contact, so that the last one counts.
    """

    school_brin: str = Field(description="BRIN number with its location.")
    school_name: str
    contact_email: EmailStr | None = Field(description="The school's address for messages; null: none known.")


@event("dossier.information.requested", 1)
class InformationRequested(EventPayload):
    """A secondary school, with the pupil's registration, asks the primary school for more information
    about the pupil. The question itself stays in dossier (`request_id`); notificatie may turn this into
    a message to the primary school.
    """

    request_id: UUID = Field(description="The question in dossier; its text is not in the event.")
    pupil_id: UUID
    from_school_brin: str = Field(description="The secondary school that asks: BRIN number with its location.")
    to_school_brin: str = Field(description="The pupil's primary school: BRIN number with its location.")


@event("dossier.information.answered", 1)
class InformationAnswered(EventPayload):
    """The primary school answered a secondary school's question about a pupil. The answer stays in
    dossier (`request_id`); notificatie tells the school that asked.
    """

    request_id: UUID = Field(description="The question in dossier; neither question nor answer is in the event.")
    pupil_id: UUID
    from_school_brin: str = Field(description="The secondary school that asked: BRIN number with its location.")
    to_school_brin: str = Field(description="The primary school that answered: BRIN number with its location.")
