"""Login, refresh and logout for a web portal, and meekijken (a board contact looking along as a user).

The access token travels in the response body; the refresh token only in an HttpOnly, Secure,
SameSite=Strict cookie, which scripts cannot read and other sites cannot make the browser send.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Cookie, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from loket.contracts.runtime.auth import IMPERSONATED_BY
from loket.contracts.tokens import Actor, Claims, InvalidToken, Role, TokenVerifier
from loket.identity.application.context import Throttled
from loket.identity.application.impersonation import Impersonation
from loket.identity.application.login import (
    AccountDeactivated,
    Login,
    LoginRefused,
    SecondFactorEnrolment,
    SecondFactorRequired,
)
from loket.identity.application.sessions import SessionKeeper, Started
from loket.identity.domain.problems import ErrorCode, FormField
from loket.identity.http.caller import NO_STORE, Problem, caller, client_address, problem_body, too_many

REFRESH_COOKIE = "loket_refresh"
WRONG_CREDENTIALS = "Onjuiste gebruikersnaam of wachtwoord. / Wrong username or password."
SESSION_OVER = "Log opnieuw in. / Please log in again."


class LoginIn(BaseModel):
    username: str = Field(max_length=320, description="A staff member's e-mail address, or a parent's ELK number.")
    password: str = Field(max_length=1024)
    totp_code: str | None = Field(default=None, max_length=16, description="The code from the authenticator app.")
    recovery_code: str | None = Field(
        default=None,
        max_length=32,
        description="In place of `totp_code`: one of the staff member's recovery codes; each works once.",
    )


class LoginProblem(Problem):
    second_factor: str | None = Field(
        default=None, description="`required`, or `enrolment_required` (with `totp_secret` and `otpauth_uri`)."
    )
    totp_secret: str | None = None
    otpauth_uri: str | None = None


class AccessOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105
    expires_at: datetime
    subject: UUID
    role: Role
    impersonated_by: Actor | None = Field(
        default=None, description="Set while a board contact looks along (meekijken)."
    )
    recovery_codes: list[str] | None = Field(
        default=None,
        description="Only in the login that enrolled TOTP: the new recovery codes, shown once and never again.",
    )


class ImpersonationIn(BaseModel):
    account_id: UUID = Field(description="The staff account of a school of the board to look along as.")


def access_of(result: Started) -> AccessOut:
    return AccessOut(
        access_token=result.access.token,
        expires_at=result.access.expires_at,
        subject=result.subject,
        role=result.role,
        impersonated_by=result.impersonated_by,
        recovery_codes=list(result.recovery_codes) or None,
    )


def keep_session(response: Response, result: Started, *, secure: bool) -> None:
    """The session's refresh token in its cookie (and who looks along, if someone does)."""
    response.set_cookie(
        REFRESH_COOKIE,
        result.refresh_token,
        max_age=result.seconds_left,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    if result.impersonated_by is not None:
        response.headers[IMPERSONATED_BY] = result.impersonated_by.sub


def session_router(
    login: Login, keeper: SessionKeeper, impersonation: Impersonation, verifier: TokenVerifier, *, secure: bool
) -> APIRouter:
    router = APIRouter(tags=["login"])
    claims_of = caller(verifier)

    def started(result: Started) -> JSONResponse:
        response = JSONResponse(access_of(result).model_dump(mode="json"), headers=NO_STORE)
        keep_session(response, result, secure=secure)
        return response

    def refused(
        status_code: int,
        detail: str,
        code: ErrorCode,
        *,
        field: FormField | None = None,
        forget_session: bool = False,
        impersonated_by: Actor | None = None,
        **extra: Any,
    ) -> JSONResponse:
        response = JSONResponse(problem_body(detail, code, field, **extra), status_code=status_code, headers=NO_STORE)
        if status_code == status.HTTP_401_UNAUTHORIZED:
            response.headers["WWW-Authenticate"] = "Bearer"
        if forget_session:  # the cookie's session is over; a failed login leaves another tab's session alone
            response.delete_cookie(REFRESH_COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
        if impersonated_by is not None:
            response.headers[IMPERSONATED_BY] = impersonated_by.sub
        return response

    @router.post(
        "/login",
        response_model=AccessOut,
        responses={
            401: {"model": LoginProblem, "description": "wrong credentials, or a TOTP code is needed"},
            403: {"model": Problem, "description": "`account_deactivated`"},
            429: {"model": Problem, "description": "`throttled`"},
        },
    )
    async def log_in(credentials: LoginIn, request: Request) -> Response:
        """Staff log in with their e-mail address, parents with their child's ELK number. Starts a session.

        Staff with a second factor give `totp_code`, or one of their recovery codes as `recovery_code`
        (`recovery_code_wrong`, `recovery_code_used`: each works once). The login that enrolls TOTP
        answers the new recovery codes (`recovery_codes`), once."""
        result = await login.login(
            credentials.username,
            credentials.password,
            credentials.totp_code,
            client_address(request),
            recovery_code=credentials.recovery_code,
        )
        if isinstance(result, Started):
            return started(result)
        if isinstance(result, Throttled):
            return too_many(result)
        if isinstance(result, AccountDeactivated):
            return refused(
                403, "Dit account is gedeactiveerd. / This account has been deactivated.", ErrorCode.ACCOUNT_DEACTIVATED
            )
        if isinstance(result, SecondFactorRequired):
            if result.refusal == ErrorCode.RECOVERY_CODE_USED:
                detail = "Deze herstelcode is al gebruikt. / This recovery code has been used already."
                return refused(401, detail, result.refusal, field=FormField.RECOVERY_CODE, second_factor="required")
            if result.refusal == ErrorCode.RECOVERY_CODE_WRONG:
                detail = "Deze herstelcode klopt niet. / This recovery code is not right."
                return refused(401, detail, result.refusal, field=FormField.RECOVERY_CODE, second_factor="required")
            if result.wrong_code:
                detail, code = "De code klopt niet. / The code is not right.", ErrorCode.SECOND_FACTOR_WRONG
            else:
                detail = "Geef de code uit uw app. / Enter the code from your app."
                code = ErrorCode.SECOND_FACTOR_REQUIRED
            return refused(401, detail, code, field=FormField.TOTP_CODE, second_factor="required")
        if isinstance(result, SecondFactorEnrolment):
            return refused(
                401,
                ("De code klopt niet. / The code is not right. " if result.wrong_code else "")
                + "Voeg deze sleutel toe aan een authenticator-app en log in met een code. / "
                "Add this key to an authenticator app and log in with a code.",
                ErrorCode.SECOND_FACTOR_WRONG if result.wrong_code else ErrorCode.SECOND_FACTOR_ENROLMENT,
                field=FormField.TOTP_CODE,
                second_factor="enrolment_required",
                totp_secret=result.secret,
                otpauth_uri=result.otpauth_uri,
            )
        assert isinstance(result, LoginRefused)
        return refused(401, WRONG_CREDENTIALS, ErrorCode.WRONG_CREDENTIALS)

    @router.post(
        "/token",
        response_model=AccessOut,
        responses={401: {"model": Problem, "description": "`session_over`: no session, log in again"}},
    )
    async def refresh(
        request: Request, refresh_token: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None
    ) -> Response:
        """A new access token for the session of the cookie; the cookie's refresh token is replaced."""
        if refresh_token is None:
            return refused(401, SESSION_OVER, ErrorCode.SESSION_OVER)
        result = await keeper.refresh(refresh_token, client_address=client_address(request))
        if isinstance(result, Started):
            return started(result)
        return refused(
            401, SESSION_OVER, ErrorCode.SESSION_OVER, forget_session=True, impersonated_by=result.impersonated_by
        )

    @router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
    async def log_out(
        request: Request, refresh_token: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None
    ) -> Response:
        """End the session of the cookie (or of the bearer token); meekijken ends with it."""
        session_id = await _session_of_bearer(request, verifier)
        looked_along = await keeper.end(
            refresh_token=refresh_token, session_id=session_id, client_address=client_address(request)
        )
        response = Response(status_code=status.HTTP_204_NO_CONTENT, headers=NO_STORE)
        response.delete_cookie(REFRESH_COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
        if looked_along is not None:
            response.headers[IMPERSONATED_BY] = looked_along.sub
        return response

    @router.post("/impersonation", response_model=AccessOut, tags=["meekijken"], responses={403: {}, 404: {}, 409: {}})
    async def impersonate(
        target: ImpersonationIn, request: Request, claims: Annotated[Claims, Depends(claims_of)]
    ) -> Response:
        """Meekijken: a board contact logs in as a user of one of its board's schools. Its own session ends;
        every response in the new session carries `Loket-Impersonated-By`; logging out ends it."""
        return started(await impersonation.start(claims, target.account_id, client_address(request)))

    return router


async def _session_of_bearer(request: Request, verifier: TokenVerifier) -> UUID | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims = await verifier.verify(token)
    except InvalidToken:
        return None
    return UUID(claims.sid) if claims.sid else None
