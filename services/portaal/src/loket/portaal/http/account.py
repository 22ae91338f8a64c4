"""Signing in and out, the links from mails (activation, invitation, password reset), the language.

Each page calls identity's JSON API; identity keeps its rules (answers, throttling, single use). A GET
of a link page uses nothing up (mail scanners open links); only the POST that sets a password does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from loket.portaal import i18n
from loket.portaal.domain.qr_code import qr_svg
from loket.portaal.pages import errors_of, render, session_of, translate
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Services, claims_of, problems_of, refresh_token_of

Form = dict[str, Any]


def client(request: Request) -> str | None:
    return request.client.host if request.client else None


def local(target: str | None) -> str:
    """Only a path on the portal itself, never another site (`//evil`, `https://…`)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def recovery_codes_page(request: Request, codes: list[str], next: str) -> HTMLResponse:
    """New recovery codes, once: the page is kept by no browser history or cache."""
    response = render(request, "pages/account/recovery_codes.html", codes=codes, next=next)
    response.headers["Cache-Control"] = "no-store"
    return response


def required(form: Form, *names: str) -> list[Problem]:
    return [Problem("required", name) for name in names if not str(form.get(name) or "").strip()]


def account_router(services: Services) -> APIRouter:
    router = APIRouter()

    def sign_in(request: Request, answer: Any) -> None:
        access = answer.json()
        refresh = refresh_token_of(answer)
        assert refresh is not None, "identity answered a sign-in without its session cookie"
        session_of(request).begin(access, refresh, claims_of(access["access_token"]))

    @router.get("/language/{language}")
    async def choose_language(language: str, next: str = "/") -> Response:
        """Switch the language; remembered for a year on this device."""
        response = RedirectResponse(local(next), status_code=303)
        if language in i18n.LANGUAGES:
            response.set_cookie(
                i18n.LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True
            )
        return response

    @router.get("/login")
    async def login_page(request: Request, next: str = "/", ended: str | None = None) -> Response:
        """`ended`: the session ran out (or was ended elsewhere), and the page says so."""
        if session_of(request).signed_in:
            return RedirectResponse(local(next), status_code=303)
        return render(
            request, "pages/login.html", next=local(next), form={}, second_factor={}, session_ended=ended is not None
        )

    @router.post("/login")
    async def login(request: Request, form: CheckedForm) -> Response:
        """Username and password; staff whose role needs a second factor also the code from their app, or one
        of their recovery codes (the first time, the page shows the key to add to the app, as a QR code and in
        text, and after it the new recovery codes, once)."""
        target = local(form.get("next"))
        problems = required(form, "username", "password")
        second_factor: dict[str, Any] = {}
        if not problems:
            credentials = {"username": form["username"].strip(), "password": form["password"]}
            if str(form.get("recovery_code") or "").strip():
                credentials["recovery_code"] = form["recovery_code"].strip()
            elif str(form.get("totp_code") or "").strip():
                credentials["totp_code"] = form["totp_code"].strip()
            answer = await services.send(
                "identity",
                "POST",
                "/login",
                client=client(request),
                headers={"Accept": "application/json"},
                json=credentials,
            )
            if answer.status_code == 200:
                sign_in(request, answer)
                codes = answer.json().get("recovery_codes")
                if codes:  # the second factor was enrolled just now: its recovery codes, once
                    return recovery_codes_page(request, codes, target)
                return RedirectResponse(target, status_code=303)
            body = _json(answer)
            if body.get("second_factor"):
                second_factor = {"totp_secret": body.get("totp_secret"), "enrolment": "totp_secret" in body}
                if body.get("otpauth_uri"):
                    label = translate(request, "QR code with the key for your authenticator app")
                    second_factor["qr_code"] = qr_svg(body["otpauth_uri"], label)
            problems = [_on_field(problem, "password") for problem in _problems(answer)]
        for secret in ("password", "totp_code", "recovery_code"):  # never sent back into a page
            form.pop(secret, None)
        return render(
            request,
            "pages/login.html",
            422,
            next=target,
            form=form,
            second_factor=second_factor,
            errors=errors_of(request, problems),
        )

    @router.post("/logout")
    async def logout(request: Request, _: CheckedForm) -> Response:
        await services.sign_out(session_of(request), client(request))
        return render(request, "pages/logged_out.html")

    @router.get("/password-reset")
    async def reset_request_page(request: Request) -> Response:
        return render(request, "pages/password_reset.html", form={})

    @router.post("/password-reset")
    async def reset_request(request: Request, form: CheckedForm) -> Response:
        problems = required(form, "username")
        if not problems:
            answer = await services.send(
                "identity",
                "POST",
                "/password-reset",
                client=client(request),
                headers={"Accept": "application/json"},
                json={"username": form["username"].strip()},
            )
            if answer.status_code < 400:
                return render(request, "pages/password_reset.html", sent=True, form=form)
            problems = [_on_field(problem, "username") for problem in _problems(answer)]
        return render(request, "pages/password_reset.html", 422, form=form, errors=errors_of(request, problems))

    # --- links from mails -------------------------------------------------------------------------

    @router.get("/activate/{token}")
    async def activation_page(request: Request, token: str) -> Response:
        """The parent's first visit: the child's school and birth date, and a password."""
        answer = await services.send("identity", "GET", f"/activate/{token}", headers={"Accept": "application/json"})
        if answer.status_code != 200:
            return _link_refused(request, answer)
        return render(request, "pages/activate.html", link=answer.json(), form={})

    @router.post("/activate/{token}")
    async def activate(request: Request, token: str, form: CheckedForm) -> Response:
        problems = required(form, "school", "birth_date", "password", "password_repeat")
        if not problems:
            answer = await services.send(
                "identity",
                "POST",
                f"/activate/{token}",
                client=client(request),
                headers={"Accept": "application/json"},
                data={key: form[key] for key in ("school", "birth_date", "password", "password_repeat")},
            )
            if answer.status_code == 200:
                sign_in(request, answer)
                return RedirectResponse("/?welcome=1", status_code=303)
            if answer.status_code not in (400, 422):
                return _link_refused(request, answer)
            problems, link = _problems(answer), _json(answer)  # identity's refusal repeats the form's facts
        else:
            link = await _link_of(services, token)
        if not link.get("schools"):
            return render(request, "pages/link_refused.html", 410, title=translate(request, "This link does not work"))
        for secret in ("password", "password_repeat"):
            form.pop(secret, None)
        return render(request, "pages/activate.html", 422, link=link, form=form, errors=errors_of(request, problems))

    for kind in ("invitation", "reset"):
        _password_link(router, services, kind)

    return router


def _password_link(router: APIRouter, services: Services, kind: str) -> None:
    """An invitation (staff) or a password reset: choose a password, then log in."""

    @router.get(f"/{kind}/{{token}}", name=f"{kind}_page")
    async def page(request: Request, token: str) -> Response:
        answer = await services.send("identity", "GET", f"/{kind}/{token}", headers={"Accept": "application/json"})
        if answer.status_code != 200:
            return _link_refused(request, answer)
        return render(request, "pages/set_password.html", kind=kind, link=answer.json(), form={})

    @router.post(f"/{kind}/{{token}}", name=kind)
    async def set_password(request: Request, token: str, form: CheckedForm) -> Response:
        problems = required(form, "password", "password_repeat")
        link: dict[str, Any] = {}
        if not problems:
            answer = await services.send(
                "identity",
                "POST",
                f"/{kind}/{token}",
                client=client(request),
                headers={"Accept": "application/json"},
                data={"password": form["password"], "password_repeat": form["password_repeat"]},
            )
            if answer.status_code == 200:
                return render(request, "pages/set_password.html", kind=kind, done=True, link=answer.json(), form={})
            if answer.status_code not in (400, 422):
                return _link_refused(request, answer)
            problems = _problems(answer)
            link = _json(answer)
        return render(
            request, "pages/set_password.html", 422, kind=kind, link=link, form={}, errors=errors_of(request, problems)
        )


async def _link_of(services: Services, token: str) -> dict[str, Any]:
    """The activation form's facts (username, schools, attempts left); empty when the link does not work."""
    answer = await services.send("identity", "GET", f"/activate/{token}", headers={"Accept": "application/json"})
    return _json(answer) if answer.status_code == 200 else {}


def _link_refused(request: Request, answer: Any) -> Response:
    problems = _problems(answer)
    return render(
        request,
        "pages/link_refused.html",
        answer.status_code if answer.status_code >= 400 else 400,
        title=translate(request, "This link does not work"),
        errors=errors_of(request, [Problem(problem.code, None, problem.ctx) for problem in problems]),
    )


def _problems(answer: Any) -> list[Problem]:
    return problems_of(answer.status_code, _json(answer))


def _json(answer: Any) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _on_field(problem: Problem, field: str) -> Problem:
    """A refusal of the whole sign-in points at the field the person fixes first."""
    return problem if problem.field else Problem(problem.code, field, problem.ctx)
