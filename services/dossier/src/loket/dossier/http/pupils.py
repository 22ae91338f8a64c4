"""Pupils over HTTP: a primary school registers its pupils, lists them, reads one, places it in a
group and sends a parent the login to the parent portal. Every route checks the one pupil it touches
against the caller's reach; a pupil the caller does not see is answered 404, exactly like one that
does not exist."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from loket.contracts.runtime.paging import Paged, tell_total
from loket.dossier.application.oki_docs import OkiDocs
from loket.dossier.application.parent_logins import ParentLogins
from loket.dossier.application.pupils import Dossiers
from loket.dossier.application.reach import Reached
from loket.dossier.application.registration import NewPupil, Registration
from loket.dossier.domain import parent_logins as logins
from loket.dossier.domain.access import Caller
from loket.dossier.domain.parent_logins import GroupOutcome, LoginState
from loket.dossier.domain.sharing import NotPlacingReason
from loket.dossier.http.caller import REFUSALS, Calling
from loket.dossier.http.oki_doc_models import Address, Parent

if TYPE_CHECKING:
    from loket.dossier.persistence.models import AuditEntry, ParentLogin


class PupilIn(BaseModel):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    school_brin: str = Field(description="BRIN number with location (vestiging), e.g. 12AB01.")
    parent_email: EmailStr = Field(description="The first parent's address; the parent login goes there.")
    group: str | None = Field(default=None, description="A group of the school, like 8a.")
    bsn: str | None = Field(
        default=None,
        max_length=16,
        description="Only where the OSO import needs it; stored sealed, shown only to the school.",
    )


class PupilCreated(BaseModel):
    id: UUID
    elk_number: str


class ParentLoginOut(BaseModel):
    """A parent login of the pupil as the school sees it: ELK's dot."""

    parent: int = Field(description="1: the first parent; 2: a second one, where the region offers it.")
    state: LoginState = Field(
        description="not_sent (white), sent (blue), activated (green); failed: the mail did not arrive; "
        "locked: too many wrong answers at activation. Both of the last ask the school to send it again."
    )
    changed_at: datetime | None = Field(description="When identity last reported the state.")
    requested_at: datetime | None = Field(description="When the school last sent the login.")

    @classmethod
    def of(cls, login: "ParentLogin") -> "ParentLoginOut":
        return cls(
            parent=login.parent,
            state=LoginState(login.state),
            changed_at=login.changed_at,
            requested_at=login.requested_at,
        )


class ParentLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: Literal[1, 2] = Field(
        default=1, description="1: the first parent (the OKI-doc's first e-mail address); 2: the second parent."
    )
    language: Literal["nl", "en"] = Field(default="nl", description="The language of the parent's mail and page.")


class GroupLoginsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Literal["nl", "en"] = Field(default="nl", description="The language of the parents' mails and page.")
    again: bool = Field(
        default=False, description="Also send again where a login was sent but not activated yet (a new link)."
    )


class GroupLoginOut(BaseModel):
    """One pupil's answer when the school sends its group's parent logins."""

    pupil_id: UUID
    elk_number: str
    given_name: str
    family_name: str
    outcome: GroupOutcome = Field(
        description="sent; already_sent (sent before, not activated: only with `again`); already_activated; "
        "no_email_address (fill in the first parent's address first)."
    )
    state: LoginState = Field(description="The first parent's dot before this sending.")


class ExternalOut(BaseModel):
    """A buitenleerling's school of origin (its BRIN is the pupil's `school_brin`) and final advice."""

    school_name: str
    final_advice: str


class PupilSummary(BaseModel):
    id: UUID
    elk_number: str = Field(description="The pupil's number in the region; a `B` number: from outside the region.")
    given_name: str
    family_name: str
    school_brin: str
    group: str | None
    not_placing_reason: NotPlacingReason | None = Field(
        description="Reden niet plaatsen VO: deregistered, moved or repeating_groep_8; null: none given."
    )
    parent_logins: list[ParentLoginOut] = Field(
        description="The parent logins and their dots; for the primary school's staff only."
    )
    external: ExternalOut | None = Field(default=None, description="Only for a pupil from outside the region.")

    @classmethod
    def of(cls, found: Reached) -> "PupilSummary":
        pupil = found.pupil
        return cls(
            id=pupil.id,
            elk_number=pupil.elk_number,
            given_name=pupil.given_name,
            family_name=pupil.family_name,
            school_brin=pupil.school_brin,
            group=found.ref.group,
            not_placing_reason=pupil.not_placing_reason,
            parent_logins=[ParentLoginOut.of(login) for login in found.parent_logins],
            external=None if pupil.external is None else ExternalOut.model_validate(pupil.external),
        )


class PupilOut(PupilSummary):
    birth_date: date
    parent_email: str = Field(description="The first parent's address, where the parent login goes.")
    address: Address | None
    parents: list[Parent]
    bsn: str | None = Field(description="Only for the pupil's own school; null for everyone else.")
    created_at: datetime

    @classmethod
    def of(cls, found: Reached) -> "PupilOut":
        pupil = found.pupil
        return cls(
            **PupilSummary.of(found).model_dump(),
            birth_date=pupil.birth_date,
            parent_email=pupil.parent_email,
            address=None if pupil.address is None else Address.model_validate(pupil.address),
            parents=[Parent.model_validate(parent) for parent in pupil.parents],
            bsn=found.bsn,
            created_at=pupil.created_at,
        )


class PupilChange(BaseModel):
    """The pupil's details to correct; a field left out stays as it is. A change means a fresh
    registration form (`dossier.registration_form.outdated.v1`); the parent login stays."""

    model_config = ConfigDict(extra="forbid")

    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    birth_date: date | None = None
    address: Address | None = None
    parents: list[Parent] | None = Field(
        default=None, min_length=1, max_length=4, description="Parents/guardians; the first one gets the login."
    )
    bsn: str | None = Field(default=None, max_length=16, description="Set the BSN, or null to forget it.")

    def changes(self) -> dict[str, object]:
        given = self.model_dump(exclude_unset=True, exclude={"address", "parents"})
        if "address" in self.model_fields_set:
            given["address"] = None if self.address is None else self.address.model_dump(mode="json")
        if self.parents is not None:
            given["parents"] = [parent.model_dump(mode="json") for parent in self.parents]
        return {key: value for key, value in given.items() if value is not None or key in ("address", "bsn")}


class GroupPlacement(BaseModel):
    group: str | None = Field(description="A group of the pupil's school, like 8a; null: no group.")


class AuditEntryOut(BaseModel):
    occurred_at: datetime
    action: str
    actor: str
    actor_role: str
    impersonator: str | None
    detail: dict[str, object]

    @classmethod
    def of(cls, entry: "AuditEntry") -> "AuditEntryOut":
        return cls(
            occurred_at=entry.occurred_at,
            action=entry.action,
            actor=entry.actor,
            actor_role=entry.actor_role,
            impersonator=entry.impersonator,
            detail=entry.detail,
        )


def pupils_router(
    registration: Registration,
    dossiers: Dossiers,
    oki_docs: OkiDocs,
    parent_logins: ParentLogins,
    calling: Calling,
) -> APIRouter:
    router = APIRouter(prefix="/pupils", tags=["pupils"], responses=REFUSALS)
    groups = APIRouter(tags=["pupils"], responses=REFUSALS)
    Me = Annotated[Caller, Depends(calling)]

    @router.post("", status_code=status.HTTP_201_CREATED, response_model=PupilCreated)
    async def register(pupil: PupilIn, me: Me) -> PupilCreated:
        """A primary school's staff register a pupil of their own school (a region administrator: any)."""
        created = await registration.register(me, NewPupil(**pupil.model_dump()))
        return PupilCreated(id=created.id, elk_number=created.elk_number)

    @router.get("", response_model=list[PupilSummary])
    async def pupils(
        me: Me,
        paging: Paged,
        response: Response,
        school: Annotated[str | None, Query(description="Only this school's pupils (BRIN).")] = None,
        group: Annotated[str | None, Query(description="Only this group's pupils, like 8a.")] = None,
    ) -> list[PupilSummary]:
        """The pupils the caller sees: a teacher their groups', a school its own, a board its schools'. Paged
        (`?limit=`, `offset`, `sort`: `school` (default), `name`, `group`, `elk_number`, or `login`: the first
        parent's login, those the school must still send first), the whole list's length in `X-Total-Count`."""
        found, total = await dossiers.pupils(me, school, group, paging)
        tell_total(response, total)
        return [PupilSummary.of(pupil) for pupil in found]

    @router.get("/{pupil_id}", response_model=PupilOut)
    async def pupil(pupil_id: UUID, me: Me) -> PupilOut:
        """One pupil; a parent only its own; a secondary school one registered with it, while registered
        (without the BSN and the parent logins). Every read by staff is audited."""
        return PupilOut.of(await dossiers.pupil(me, pupil_id))

    @router.patch("/{pupil_id}", response_model=PupilOut)
    async def change(pupil_id: UUID, change: PupilChange, me: Me) -> PupilOut:
        """The school corrects the pupil's details; a fresh registration form follows (an event)."""
        return PupilOut.of(await oki_docs.change_pupil(me, pupil_id, change.changes()))

    @router.put("/{pupil_id}/group", response_model=PupilOut)
    async def place_in_group(pupil_id: UUID, placement: GroupPlacement, me: Me) -> PupilOut:
        """The school's staff put a pupil in one of its groups; a teacher only in their own groups."""
        return PupilOut.of(await dossiers.place_in_group(me, pupil_id, placement.group))

    @router.post(
        "/{pupil_id}/parent-login",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ParentLoginOut,
        responses={409: {"description": "already activated, or no such parent login in this region"}},
    )
    async def send_parent_login(pupil_id: UUID, me: Me, login: ParentLoginIn | None = None) -> ParentLoginOut:
        """Ouderinlog versturen: the pupil's own school sends one parent a single-use link to activate the
        parent account (username: the ELK number). One pupil at a time, after checking the address; sending
        again replaces a link that was not used. The dot follows in `parent_logins` once identity reports."""
        asked = login or ParentLoginIn()
        sent = await parent_logins.send(me, pupil_id, logins.Parent(asked.parent), asked.language)
        return ParentLoginOut.of(sent)

    @router.get("/{pupil_id}/audit", response_model=list[AuditEntryOut])
    async def audit_trail(pupil_id: UUID, me: Me) -> list[AuditEntryOut]:
        """Who read and changed this pupil's dossier, and when: for the administrators who see the pupil."""
        return [AuditEntryOut.of(entry) for entry in await dossiers.audit_trail(me, pupil_id)]

    @groups.post("/groups/{group_id}/parent-logins", response_model=list[GroupLoginOut])
    async def send_group_logins(group_id: UUID, me: Me, asked: GroupLoginsIn | None = None) -> list[GroupLoginOut]:
        """Ouderinlog versturen for a whole group: the school's own staff (a teacher: their own groups) send the
        first parent of each pupil the login, in one go. Logins not sent yet, failed or locked are sent;
        one sent but not activated only with `again`; an activated one never. The answer says per pupil
        what happened; the dots follow in `parent_logins` once identity reports."""
        asked = asked or GroupLoginsIn()
        sent = await parent_logins.send_to_group(me, group_id, asked.language, again=asked.again)
        return [
            GroupLoginOut(
                pupil_id=answer.pupil.id,
                elk_number=answer.pupil.elk_number,
                given_name=answer.pupil.given_name,
                family_name=answer.pupil.family_name,
                outcome=answer.outcome,
                state=answer.state,
            )
            for answer in sent
        ]

    groups.include_router(router)
    return groups
