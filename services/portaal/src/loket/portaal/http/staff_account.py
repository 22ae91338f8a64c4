"""Staff sign-in and accounts: the second step (its state and the recovery codes) on `/account/security`,
and the region's staff accounts on `/region/staff` (invite, change the role, deactivate and undo, send the
invitation again).

identity keeps every rule (who may do what, one account per address, a set of recovery codes voids the
last); the pages ask it with the person's own token and say its refusals in the person's language.
Recovery codes are on a page once, never stored by the portal, and the page is not cached.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from loket.portaal.domain.listing import Listing
from loket.portaal.domain.qr_code import qr_svg
from loket.portaal.http.account import client, recovery_codes_page
from loket.portaal.http.staff import signed_in_region_admin as region_admin
from loket.portaal.http.staff import signed_in_staff
from loket.portaal.i18n import N_
from loket.portaal.pages import errors_of, render, translate
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Refusal, Services
from loket.portaal.sessions import Session

ROLES = {
    "region_admin": N_("Region administrator"),
    "board_contact": N_("Board contact"),
    "school_admin": N_("School administrator"),
    "school_user": N_("School staff member"),
}
STATES = {"pending": N_("Invited"), "activated": N_("Active"), "deactivated": N_("Deactivated")}
LANGUAGES = {"nl": "Nederlands", "en": "English"}
SORTS = ("email", "role", "school", "state", "created_at")
DONE = {
    "invited": N_("The invitation is on its way."),
    "role": N_("The role is changed. The staff member's sessions have ended."),
    "deactivated": N_("The account is deactivated. It can no longer log in."),
    "reactivated": N_("The deactivation is undone."),
    "reinvited": N_("A new invitation is on its way. Earlier links no longer work."),
}
# identity's refusals of an assignment (a 422 at one field) and of an address, in the portal's words
FIELD_PROBLEMS = {
    "email": "staff_email_invalid",
    "role": "staff_role_invalid",
    "school": "staff_school_invalid",
    "board": "staff_board_invalid",
    "groups": "staff_groups_invalid",
}


def role_options(request: Request) -> list[tuple[str, str]]:
    return [(role, translate(request, label)) for role, label in ROLES.items()]


def assignment_of(form: dict[str, Any]) -> dict[str, Any]:
    """The role and its reach as identity takes them: only what the role has (a board for a board
    contact, a school and groups for a school role)."""
    role = str(form.get("role") or "")
    school = str(form.get("school") or "").strip().upper()
    board = str(form.get("board") or "").strip()
    groups = [group.strip() for group in str(form.get("groups") or "").split(",") if group.strip()]
    body: dict[str, Any] = {"role": role}
    if role == "board_contact":
        body["board"] = board or None
    elif role in ("school_admin", "school_user"):
        body["school"] = school or None
        body["groups"] = groups if role == "school_user" else []
    return body


def checked(form: dict[str, Any], *, invite: bool) -> list[Problem]:
    """What the portal can see at once; identity checks the rest."""
    problems: list[Problem] = []
    email = str(form.get("email") or "").strip()
    if invite and not email:
        problems.append(Problem("required", "email"))
    elif invite and ("@" not in email or "." not in email.rsplit("@", 1)[-1] or " " in email):
        problems.append(Problem("staff_email_invalid", "email"))
    role = str(form.get("role") or "")
    if role not in ROLES:
        problems.append(Problem("staff_role_missing", "role"))
    elif role in ("school_admin", "school_user") and not str(form.get("school") or "").strip():
        problems.append(Problem("staff_school_missing", "school"))
    elif role == "board_contact" and not str(form.get("board") or "").strip():
        problems.append(Problem("staff_board_missing", "board"))
    if role == "school_admin" and str(form.get("groups") or "").strip():
        problems.append(Problem("staff_groups_invalid", "groups"))
    return problems


def refused(refusal: Refusal, *, field: str = "email") -> list[Problem]:
    """identity's refusal as problems at the form's fields; 403/404 are not the form's (the not-found page)."""
    if refusal.status in (403, 404):
        raise refusal
    if refusal.status == 409:
        return [Problem("staff_email_taken" if field == "email" else "staff_state_changed", field)]
    found = []
    for problem in refusal.problems:
        name = (problem.field or "").split(".")[0]
        found.append(Problem(FIELD_PROBLEMS.get(name, problem.code), name if name in FIELD_PROBLEMS else None))
    return found


def staff_account_router(services: Services) -> APIRouter:
    router = APIRouter()

    # --- the second step of one's own account ---------------------------------------------------

    @router.get("/account/security")
    async def security(request: Request) -> Response:
        session = signed_in_staff(request)
        if session.impersonated_by:  # the second step is the user's own: not while someone looks along
            return render(request, "pages/account/security.html", state=None)
        state = await services.json(session, "identity", "GET", "/second-factor", client=client(request))
        return render(request, "pages/account/security.html", state=state)

    @router.post("/account/security/recovery-codes")
    async def new_recovery_codes(request: Request, _: CheckedForm) -> Response:
        """A new set (the old one stops working), shown once."""
        session = signed_in_staff(request)
        try:
            made = await services.json(
                session, "identity", "POST", "/second-factor/recovery-codes", client=client(request)
            )
        except Refusal as refusal:
            if refusal.status != 409:
                raise
            state = await services.json(session, "identity", "GET", "/second-factor", client=client(request))
            problems = errors_of(request, [Problem("recovery_codes_without_second_factor")])
            return render(request, "pages/account/security.html", 409, state=state, errors=problems)
        return recovery_codes_page(request, made["recovery_codes"], "/account/security")

    def enrol_page(request: Request, enrolment: dict[str, Any], status: int = 200, **context: Any) -> Response:
        label = translate(request, "QR code with the key for your authenticator app")
        response = render(
            request,
            "pages/account/enrol.html",
            status,
            enrolment=enrolment,
            qr_code=qr_svg(enrolment["otpauth_uri"], label),
            **context,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.post("/account/security/totp")
    async def begin_enrolment(request: Request, _: CheckedForm) -> Response:
        """A staff member whose role does not require it turns the second step on: a new key to scan."""
        session = signed_in_staff(request)
        try:
            enrolment = await services.json(session, "identity", "POST", "/second-factor/totp", client=client(request))
        except Refusal as refusal:
            if refusal.status != 409:
                raise
            return RedirectResponse("/account/security", status_code=303)  # already on
        return enrol_page(request, enrolment)

    @router.post("/account/security/totp/confirm")
    async def confirm_enrolment(request: Request, form: CheckedForm) -> Response:
        """The code from the app confirms the key identity keeps; then the recovery codes, once. The key
        and its URI come back in the form only to draw the page again after a wrong code (identity keeps
        its own copy and checks against that)."""
        session = signed_in_staff(request)
        enrolment = {
            "totp_secret": str(form.get("totp_secret") or ""),
            "otpauth_uri": str(form.get("otpauth_uri") or ""),
        }
        if not enrolment["otpauth_uri"].startswith("otpauth://"):
            return RedirectResponse("/account/security", status_code=303)
        code = str(form.get("totp_code") or "").strip()
        problems = [Problem("required", "totp_code")] if not code else []
        if not problems:
            try:
                made = await services.json(
                    session,
                    "identity",
                    "POST",
                    "/second-factor/totp/confirm",
                    client=client(request),
                    json={"code": code[:16]},
                )
            except Refusal as refusal:
                if refusal.status != 422:
                    raise
                problems = [Problem("second_factor_wrong", "totp_code")]
            else:
                return recovery_codes_page(request, made["recovery_codes"], "/account/security")
        return enrol_page(request, enrolment, 422, errors=errors_of(request, problems))

    # --- the region's staff accounts -------------------------------------------------------------

    @router.get("/region/staff")
    async def staff_list(request: Request) -> Response:
        session = region_admin(request)
        listing = Listing.of(request.url.path, request.query_params, SORTS, "email")
        answer = await services.as_person(
            session, "identity", "GET", "/staff", client=client(request), params=listing.params()
        )
        total = int(answer.headers.get("x-total-count") or 0)
        return render(
            request,
            "pages/region/staff.html",
            listing=listing,
            total=total,
            accounts=answer.json(),
            roles=ROLES,
            states=STATES,
            done=DONE.get(request.query_params.get("done") or ""),
        )

    def invite_page(request: Request, form: dict[str, Any], status: int = 200, **context: Any) -> Response:
        return render(
            request,
            "pages/region/staff_new.html",
            status,
            form=form,
            role_options=role_options(request),
            mail_languages=list(LANGUAGES.items()),
            **context,
        )

    @router.get("/region/staff/new")
    async def invite_form(request: Request) -> Response:
        region_admin(request)
        return invite_page(request, {"role": "school_admin", "language": "nl"})

    @router.post("/region/staff/new")
    async def invite(request: Request, form: CheckedForm) -> Response:
        session = region_admin(request)
        problems = checked(form, invite=True)
        if not problems:
            body = assignment_of(form) | {
                "email": str(form["email"]).strip(),
                "language": form.get("language") if form.get("language") in LANGUAGES else "nl",
            }
            try:
                await services.json(session, "identity", "POST", "/staff", client=client(request), json=body)
            except Refusal as refusal:
                problems = refused(refusal)
            else:
                return RedirectResponse("/region/staff?done=invited", status_code=303)
        return invite_page(request, form, 422, errors=errors_of(request, problems))

    async def member(request: Request, session: Session, account_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await services.json(
            session, "identity", "GET", f"/staff/{account_id}", client=client(request)
        )
        return found

    def member_page(
        request: Request, session: Session, account: dict[str, Any], status: int = 200, **context: Any
    ) -> Response:
        form = context.pop("form", None) or {
            "role": account["role"],
            "school": account.get("school") or "",
            "board": account.get("board") or "",
            "groups": ", ".join(account.get("groups") or []),
        }
        return render(
            request,
            "pages/region/staff_member.html",
            status,
            account=account,
            own=account["id"] == session.subject,
            form=form,
            roles=ROLES,
            role_options=role_options(request),
            states=STATES,
            done=DONE.get(request.query_params.get("done") or ""),
            **context,
        )

    @router.get("/region/staff/{account_id}")
    async def staff_member(request: Request, account_id: str) -> Response:
        session = region_admin(request)
        return member_page(request, session, await member(request, session, account_id))

    @router.post("/region/staff/{account_id}/role")
    async def change_role(request: Request, account_id: str, form: CheckedForm) -> Response:
        session = region_admin(request)
        problems = checked(form, invite=False)
        if not problems:
            try:
                await services.json(
                    session,
                    "identity",
                    "PUT",
                    f"/staff/{account_id}/role",
                    client=client(request),
                    json=assignment_of(form),
                )
            except Refusal as refusal:
                problems = refused(refusal, field="role")
            else:
                return RedirectResponse(f"/region/staff/{account_id}?done=role", status_code=303)
        account = await member(request, session, account_id)
        return member_page(request, session, account, 422, form=form, errors=errors_of(request, problems))

    def step(page: str, method: str, identity_path: str, done: str) -> None:
        """One button on a staff member's page: identity does it, the page says it is done."""

        @router.post(f"/region/staff/{{account_id}}/{page}", name=f"staff_{done}")
        async def act(request: Request, account_id: str, _: CheckedForm) -> Response:
            session = region_admin(request)
            try:
                await services.json(
                    session, "identity", method, f"/staff/{account_id}/{identity_path}", client=client(request)
                )
            except Refusal as refusal:
                if refusal.status != 409:
                    raise
                account = await member(request, session, account_id)
                problems = errors_of(request, [Problem("staff_state_changed")])
                return member_page(request, session, account, 409, errors=problems)
            return RedirectResponse(f"/region/staff/{account_id}?done={done}", status_code=303)

    step("deactivation", "POST", "deactivation", "deactivated")
    step("reactivation", "DELETE", "deactivation", "reactivated")
    step("invitation", "POST", "invitation", "reinvited")

    return router
