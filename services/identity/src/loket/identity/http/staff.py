"""Staff administration over HTTP: who am I, invite, list, change a role, deactivate, the schools of a
board, enrolling a second factor and its recovery codes. Every route needs an access token; an administrator reaches
only the accounts within its own reach, and an account outside it is answered 404, as if it did not
exist."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, EmailStr, Field

from loket.contracts.errors import Forbidden
from loket.contracts.runtime.paging import Paged, tell_total
from loket.contracts.tokens import Actor, Claims, Role, Scope, TokenVerifier
from loket.identity.application.second_factor import SecondFactors
from loket.identity.application.staff import NewStaff, StaffAdministration
from loket.identity.domain.staff import Assignment
from loket.identity.http.caller import NO_STORE, caller, client_address

if TYPE_CHECKING:
    from loket.identity.persistence.models import StaffAccount


class AssignmentIn(BaseModel):
    role: Role
    board: str | None = Field(default=None, description="The board of a board contact.")
    school: str | None = Field(
        default=None, description="The school (BRIN with location, e.g. 12AB01) of a school role."
    )
    groups: list[str] = Field(default_factory=list, description="A primary-school user limited to these groups.")

    def checked(self) -> Assignment:
        return Assignment.of(self.role, board=self.board, school=self.school, groups=self.groups)


class StaffIn(AssignmentIn):
    email: EmailStr = Field(description="Also the username.")
    language: Literal["nl", "en"] = "nl"


class StaffOut(BaseModel):
    id: UUID
    email: str
    role: Role
    board: str | None
    school: str | None
    groups: list[str]
    state: str
    invitation_mail: str
    second_factor: bool
    created_at: datetime
    activated_at: datetime | None
    deactivated_at: datetime | None

    @classmethod
    def of(cls, account: "StaffAccount") -> "StaffOut":
        return cls(
            id=account.id,
            email=account.email,
            role=Role(account.role),
            board=account.board,
            school=account.school_brin,
            groups=list(account.groups),
            state=account.state,
            invitation_mail=account.invitation_mail,
            second_factor=account.totp_confirmed_at is not None,
            created_at=account.created_at,
            activated_at=account.activated_at,
            deactivated_at=account.deactivated_at,
        )


class BoardSchools(BaseModel):
    schools: list[str] = Field(description="BRIN numbers with location, e.g. 12AB01.")


class Me(BaseModel):
    subject: str
    role: Role
    scope: Scope
    impersonated_by: Actor | None


class TotpEnrolment(BaseModel):
    totp_secret: str
    otpauth_uri: str


class TotpCode(BaseModel):
    code: str = Field(max_length=16)


class SecondFactorOut(BaseModel):
    enrolled: bool = Field(description="TOTP is enrolled: every login asks for a code.")
    recovery_codes_left: int = Field(description="Recovery codes not used yet.")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Shown once: identity keeps only their hashes.")


def own_only(claims: Claims) -> None:
    """The second factor is the staff member's own: not a parent's, not while looking along."""
    if claims.role == Role.PARENT or claims.act is not None:
        raise Forbidden("only staff enrol a second factor, for themselves")


def staff_router(
    administration: StaffAdministration, second_factors: SecondFactors, verifier: TokenVerifier
) -> APIRouter:
    router = APIRouter(tags=["staff"], responses={401: {}, 403: {}})
    Caller = Annotated[Claims, Depends(caller(verifier))]

    @router.get("/me", response_model=Me)
    async def me(claims: Caller) -> Me:
        """Who the access token says the caller is, and who looks along (meekijken)."""
        return Me(subject=claims.sub, role=claims.role, scope=claims.scope, impersonated_by=claims.act)

    @router.get("/staff", response_model=list[StaffOut])
    async def list_staff(claims: Caller, paging: Paged, response: Response) -> list[StaffOut]:
        """The staff accounts within the administrator's reach, by e-mail address. Paged with `limit`,
        `offset` and `sort` (`email`, `role`, `school`, `state`, `created_at`; `-` descends); the whole
        list's length in `X-Total-Count`."""
        accounts, total = await administration.within_reach(claims, paging)
        tell_total(response, total)
        return [StaffOut.of(account) for account in accounts]

    @router.get("/staff/{account_id}", response_model=StaffOut, responses={404: {}})
    async def one_staff_member(account_id: UUID, claims: Caller) -> StaffOut:
        """One staff account within the administrator's reach."""
        return StaffOut.of(await administration.one(claims, account_id))

    @router.post("/staff", status_code=status.HTTP_201_CREATED, response_model=StaffOut, responses={409: {}, 422: {}})
    async def invite(new: StaffIn, request: Request, claims: Caller) -> StaffOut:
        """Invite a staff member within the administrator's reach: a pending account and a mailed link."""
        staff = NewStaff(email=new.email, assignment=new.checked(), language=new.language)
        return StaffOut.of(await administration.invite(claims, staff, client_address(request)))

    @router.post(
        "/staff/{account_id}/invitation",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=StaffOut,
        responses={
            404: {},
            409: {"description": "The account is not pending: it has its password, or is deactivated."},
        },
    )
    async def invite_again(account_id: UUID, request: Request, claims: Caller) -> StaffOut:
        """A new invitation for a pending account (an expired link, a lost mail); earlier links stop working."""
        return StaffOut.of(await administration.reinvite(claims, account_id, client_address(request)))

    @router.put("/staff/{account_id}/role", response_model=StaffOut, responses={404: {}, 422: {}})
    async def change_role(account_id: UUID, new: AssignmentIn, request: Request, claims: Caller) -> StaffOut:
        """Give a staff account another role or reach; its sessions end, so the change holds at once."""
        changed = await administration.change_role(claims, account_id, new.checked(), client_address(request))
        return StaffOut.of(changed)

    @router.post("/staff/{account_id}/deactivation", response_model=StaffOut, responses={404: {}})
    async def deactivate(account_id: UUID, request: Request, claims: Caller) -> StaffOut:
        """The account can no longer log in; its sessions end and its links stop working."""
        return StaffOut.of(await administration.deactivate(claims, account_id, client_address(request)))

    @router.delete("/staff/{account_id}/deactivation", response_model=StaffOut, responses={404: {}, 409: {}})
    async def reactivate(account_id: UUID, request: Request, claims: Caller) -> StaffOut:
        """Undo a deactivation: the account logs in again (`activated`), or, if it never set a password,
        waits for a new invitation (`pending`; `POST …/invitation`)."""
        return StaffOut.of(await administration.reactivate(claims, account_id, client_address(request)))

    @router.get("/boards/{board}/schools", response_model=BoardSchools, responses={404: {}})
    async def board_schools(board: str, claims: Caller) -> BoardSchools:
        return BoardSchools(schools=await administration.board_schools(claims, board))

    @router.put("/boards/{board}/schools", response_model=BoardSchools, responses={422: {}})
    async def set_board_schools(board: str, schools: BoardSchools, request: Request, claims: Caller) -> BoardSchools:
        """The region administrator sets which schools belong to a board (what its contacts reach)."""
        changed = await administration.set_board_schools(claims, board, schools.schools, client_address(request))
        return BoardSchools(schools=changed)

    @router.post("/second-factor/totp", response_model=TotpEnrolment, tags=["login"], responses={409: {}})
    async def enrol_totp(claims: Caller, response: Response) -> TotpEnrolment:
        """Begin enrolling TOTP: a new secret (and its otpauth URI for a QR code); confirm it with a code."""
        response.headers.update(NO_STORE)
        own_only(claims)
        enrolment = await second_factors.begin(claims.account())
        return TotpEnrolment(totp_secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)

    @router.post("/second-factor/totp/confirm", response_model=RecoveryCodesOut, tags=["login"])
    async def confirm_totp(code: TotpCode, request: Request, claims: Caller, response: Response) -> RecoveryCodesOut:
        """Confirm the enrolment with a code from the app; from now on every login asks for a code. The
        answer holds the recovery codes, shown once."""
        response.headers.update(NO_STORE)
        own_only(claims)
        codes = await second_factors.confirm(claims.account(), code.code, client_address(request))
        return RecoveryCodesOut(recovery_codes=codes)

    @router.get("/second-factor", response_model=SecondFactorOut, tags=["login"])
    async def second_factor(claims: Caller) -> SecondFactorOut:
        """The caller's own second factor: enrolled or not, and how many recovery codes are left."""
        own_only(claims)
        state = await second_factors.state(claims.account())
        return SecondFactorOut(enrolled=state.enrolled, recovery_codes_left=state.recovery_codes_left)

    @router.post(
        "/second-factor/recovery-codes",
        status_code=status.HTTP_201_CREATED,
        response_model=RecoveryCodesOut,
        tags=["login"],
        responses={409: {}},
    )
    async def new_recovery_codes(claims: Caller, request: Request, response: Response) -> RecoveryCodesOut:
        """A new set of recovery codes for the caller, shown once; the old set stops working."""
        response.headers.update(NO_STORE)
        own_only(claims)
        codes = await second_factors.new_recovery_codes(claims.account(), client_address(request))
        return RecoveryCodesOut(recovery_codes=codes)

    return router
