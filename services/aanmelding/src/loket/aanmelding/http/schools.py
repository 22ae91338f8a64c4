"""The schools' side over HTTP: the primary school's pupils with their dots, forwarding and a change with
the parent's consent (Zaanstad); the secondary school's registrations, its decisions and its notes."""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from loket.aanmelding.application.exports import SchoolExports
from loket.aanmelding.application.primary_school import Consent, PrimarySchools
from loket.aanmelding.application.school_notes import MAX_NOTE, SchoolNotes
from loket.aanmelding.application.secondary_school import ReceivedFilter, SecondarySchools
from loket.aanmelding.domain.procedure import Procedure
from loket.aanmelding.domain.registration import RegistrationState
from loket.aanmelding.http.models import ANSWERS, DOTS, REFUSED, PreferencesIn, RegistrationOut, registration_out
from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.downloads import content_disposition
from loket.contracts.runtime.paging import Paged, page_of, tell_total
from loket.contracts.runtime.paths import Brin
from loket.contracts.tokens import Claims, TokenVerifier

if TYPE_CHECKING:
    from loket.aanmelding.persistence.models import Registration, RegistrationNote

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENDED_SORTS: dict[str, Callable[[Any], Any]] = {
    "ended_at": lambda row: row.ended_at,
    "primary_school": lambda row: row.primary_school,
}


class RoundDot(BaseModel):
    state: RegistrationState
    dot: str | None = Field(description="AG (started) or AV (submitted); no entry: not started (white or blue).")


class EndedOut(BaseModel):
    registration_id: UUID
    school_brin: str = Field(description="The secondary school that ended the registration.")
    support_needs: bool = Field(description="true: it cannot place the pupil for support needs (voided).")
    reason: str = Field(description="The school's reason, written for the primary school and the region.")
    ended_at: datetime

    @classmethod
    def of(cls, registration: "Registration") -> "EndedOut":
        assert registration.first_choice_brin and registration.withdrawal_reason and registration.withdrawn_at
        return cls(
            registration_id=registration.id,
            school_brin=registration.first_choice_brin,
            support_needs=registration.state == RegistrationState.VOIDED,
            reason=registration.withdrawal_reason,
            ended_at=registration.withdrawn_at,
        )


class PupilOut(BaseModel):
    pupil_id: UUID
    group: str | None = Field(description="The pupil's group at the school, as the dossier says.")
    readiness: str | None
    advice: str | None
    rounds: dict[str, RoundDot] = Field(description="Per round code, the registration that counts.")
    ended_by_school: dict[str, EndedOut] = Field(
        description="Per round code with no registration that counts: the registration a secondary school "
        "ended last (the parents need help to register elsewhere)."
    )


class EndedRegistrationOut(EndedOut):
    pupil_id: UUID
    primary_school: str
    registered_again: bool = Field(description="The pupil has a registration in the round again.")


class ConsentIn(BaseModel):
    given_by: str = Field(max_length=200, description="The parent who agreed.")
    how: str = Field(max_length=200, description="How: in a conversation at school, on paper, by phone…")


class SchoolChangeIn(PreferencesIn):
    consent: ConsentIn | None = Field(default=None, description="Required: the parent's consent to this change.")


class PlaceIn(BaseModel):
    stream: str | None = Field(default=None, max_length=200, description="The stream or profile, if any.")


class ReasonIn(BaseModel):
    reason: str = Field(max_length=2000, description="Why, for the primary school and the region.")


class TafelmiddagIn(BaseModel):
    tafelmiddag: bool


class PaperFormIn(PreferencesIn):
    signed_by: str = Field(max_length=200, description="The parent who signed the paper form.")


class PriorityDecisionIn(BaseModel):
    granted: bool = Field(description="true: the priority is granted (toegekend); false: rejected (afgewezen).")
    reason: str | None = Field(
        default=None, max_length=2000, description="Why, as the school records it (not mailed to the parents)."
    )


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE)]


class NoteOut(BaseModel):
    id: UUID
    school_brin: str = Field(description="The school whose note it is: the caller's.")
    text: str
    author: str = Field(description="identity's subject id of the staff member who wrote it.")
    created_at: datetime

    @classmethod
    def of(cls, note: "RegistrationNote") -> "NoteOut":
        return cls.model_validate(note, from_attributes=True)


def schools_router(
    primary: PrimarySchools,
    schools: SecondarySchools,
    notes: SchoolNotes,
    exports: SchoolExports,
    procedure: Procedure,
    verifier: TokenVerifier,
) -> APIRouter:
    router = APIRouter(tags=["schools"], responses=ANSWERS)
    Caller = Annotated[Claims, Depends(bearer(verifier))]

    @router.get("/schools/{brin}/pupils", response_model=list[PupilOut])
    async def pupils(
        brin: Brin,
        claims: Caller,
        group: Annotated[str | None, Query(description="Only this group's pupils.")] = None,
        pupil: Annotated[
            list[UUID] | None, Query(max_length=500, description="Only these pupils: the page a list shows.")
        ] = None,
    ) -> list[PupilOut]:
        """The primary school's pupils with their registration per round: who is done, who needs help. A
        teacher of some groups sees the pupils of those groups."""
        found = await primary.pupils(claims, brin, group, pupil)
        return [
            PupilOut(
                pupil_id=status.pupil_id,
                group=status.group,
                readiness=status.readiness,
                advice=status.advice,
                rounds={
                    code: RoundDot(state=RegistrationState(r.state), dot=DOTS.get(RegistrationState(r.state)))
                    for code, r in status.by_round.items()
                },
                ended_by_school={code: EndedOut.of(r) for code, r in status.ended.items()},
            )
            for status in found
        ]

    @router.get("/rounds/{round_code}/ended-by-school", response_model=list[EndedRegistrationOut])
    async def ended_by_school(
        round_code: str, claims: Caller, paging: Paged, response: Response
    ) -> list[EndedRegistrationOut]:
        """The region: every registration of the round a secondary school ended, with its reason, and
        whether the pupil has registered again (those who have not need the region's help). Paged
        (`?limit=&offset=&sort=`: `ended_at`, the default, or `primary_school`; `X-Total-Count`)."""
        found = await primary.ended_by_schools(claims, round_code)
        rows = [
            EndedRegistrationOut(
                **EndedOut.of(registration).model_dump(),
                pupil_id=registration.pupil_id,
                primary_school=registration.school_brin,
                registered_again=again,
            )
            for registration, again in found
        ]
        tell_total(response, len(rows))
        return page_of(rows, paging, ENDED_SORTS, "ended_at")

    @router.post("/pupils/{pupil_id}/registration/forwarding", response_model=RegistrationOut)
    async def forward(pupil_id: UUID, claims: Caller) -> RegistrationOut:
        """Zaanstad: the primary school makes the parent's list final at the school of first choice."""
        return registration_out(procedure, await primary.forward(claims, pupil_id))

    @router.put("/pupils/{pupil_id}/registration/school-change", response_model=RegistrationOut, responses=REFUSED)
    async def change(pupil_id: UUID, change: SchoolChangeIn, claims: Caller) -> RegistrationOut:
        """Zaanstad: before forwarding, the primary school changes the list, only with the parent's consent."""
        consent = Consent(change.consent.given_by, change.consent.how) if change.consent else None
        return registration_out(procedure, await primary.change(claims, pupil_id, change.as_list(), consent))

    @router.post("/pupils/{pupil_id}/registration/paper-form", response_model=RegistrationOut, responses=REFUSED)
    async def paper_form(pupil_id: UUID, form: PaperFormIn, claims: Caller) -> RegistrationOut:
        """The paper form: the primary school enters the list the parents filled in and signed; it is
        checked like the parents' own and submitted at once."""
        entered = await primary.paper_form(claims, pupil_id, form.as_list(), form.signed_by)
        return registration_out(procedure, entered)

    @router.get("/schools/{brin}/registrations", response_model=list[RegistrationOut])
    async def received(
        brin: Brin,
        claims: Caller,
        paging: Paged,
        response: Response,
        round: Annotated[str | None, Query(description="Only this round's registrations (its code).")] = None,
        program: Annotated[str | None, Query(description="Only those with this program as first choice.")] = None,
        state: Annotated[RegistrationState | None, Query(description="Only registrations in this state.")] = None,
        placed: Annotated[bool | None, Query(description="true: only Geplaatst; false: only not yet.")] = None,
    ) -> list[RegistrationOut]:
        """The secondary school: the registrations made with it as first choice, with time and every choice
        (after a lottery also those it was given). Paged (`?limit=&offset=&sort=`, `X-Total-Count`); sorted
        by `received` (the default, oldest first), `round`, `program` (the first choice), `priority` or
        `placed`."""
        wanted = ReceivedFilter(round, program, state, placed)
        page, total = await schools.received_page(claims, brin, paging, wanted)
        tell_total(response, total)
        return [registration_out(procedure, registration, placement=placement) for registration, placement in page]

    @router.get("/registrations/{registration_id}", response_model=RegistrationOut)
    async def one(registration_id: UUID, claims: Caller) -> RegistrationOut:
        """One registration the secondary school received (or was given by the lottery), for its staff and
        whoever reads along; any other answers 404."""
        registration, placement = await schools.one(claims, registration_id)
        return registration_out(procedure, registration, placement=placement)

    @router.post("/registrations/{registration_id}/priority-decision", response_model=RegistrationOut)
    async def decide(registration_id: UUID, decision: PriorityDecisionIn, claims: Caller) -> RegistrationOut:
        """Grant or reject the priority claimed at this school (the parent is told either way)."""
        decided = await schools.decide_priority(claims, registration_id, decision.granted, decision.reason)
        return registration_out(procedure, decided)

    @router.post("/registrations/{registration_id}/placement", response_model=RegistrationOut)
    async def place(registration_id: UUID, placed: PlaceIn, claims: Caller) -> RegistrationOut:
        """Geplaatst: the school places the pupil, with the stream or profile it qualifies for."""
        return registration_out(procedure, await schools.place(claims, registration_id, placed.stream))

    @router.post("/registrations/{registration_id}/support-refusal", response_model=RegistrationOut)
    async def refuse(registration_id: UUID, why: ReasonIn, claims: Caller) -> RegistrationOut:
        """The school cannot place the pupil for support needs: the registration is void, and the pupil may
        register at another school (agreed with the primary school and the parents)."""
        return registration_out(procedure, await schools.end(claims, registration_id, why.reason, support_needs=True))

    @router.post("/registrations/{registration_id}/school-withdrawal", response_model=RegistrationOut)
    async def withdraw(registration_id: UUID, why: ReasonIn, claims: Caller) -> RegistrationOut:
        """The pupil will not come after all: the school withdraws the registration."""
        ended = await schools.end(claims, registration_id, why.reason, support_needs=False)
        return registration_out(procedure, ended)

    @router.put("/registrations/{registration_id}/tafelmiddag", response_model=RegistrationOut)
    async def tafelmiddag(registration_id: UUID, flag: TafelmiddagIn, claims: Caller) -> RegistrationOut:
        """The school asks for a tafelmiddag (warm handover) with the primary school."""
        return registration_out(procedure, await schools.mark_tafelmiddag(claims, registration_id, flag.tafelmiddag))

    @router.post("/registrations/{registration_id}/notes", response_model=NoteOut, status_code=201)
    async def add_note(registration_id: UUID, note: NoteIn, claims: Caller) -> NoteOut:
        """The school's own note on a registration it received (notities); its staff only read it."""
        return NoteOut.of(await notes.add(claims, registration_id, note.text))

    @router.get("/registrations/{registration_id}/notes", response_model=list[NoteOut])
    async def registration_notes(registration_id: UUID, claims: Caller) -> list[NoteOut]:
        """The caller's school's notes on the registration, oldest first."""
        return [NoteOut.of(note) for note in await notes.of(claims, registration_id)]

    @router.get(
        "/schools/{brin}/exports/{kind}.{extension}",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}, XLSX: {}}}, **REFUSED},
    )
    async def export(
        brin: Brin,
        kind: Literal["registrations", "external", "lottery", "withdrawals"],
        extension: Literal["csv", "xlsx"],
        claims: Caller,
    ) -> Response:
        """The school's registrations with every choice; those of pupils from outside the region
        (buitenleerlingen, `external`); those made with it that it has not placed, who go into the lottery
        when it is over-subscribed (`lottery`, ELK's "decentrale loting": check the twins); or its
        withdrawals (Terugtrekkers). As CSV or XLSX."""
        exported = await exports.export(claims, brin, kind, extension)
        headers = {
            "Content-Disposition": content_disposition("attachment", f"{kind}-{brin}.{extension}"),
            "Cache-Control": "no-store",
        }
        if extension == "csv":
            return Response(exported, media_type="text/csv; charset=utf-8", headers=headers)
        return Response(exported, media_type=XLSX, headers=headers)

    return router
