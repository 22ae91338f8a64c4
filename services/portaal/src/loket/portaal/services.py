"""Calling the five services as the signed-in person: their own access token, refreshed through
identity when it runs out. The portal holds no token of its own, so each service's access checks stay
the only gate.

A service's refusal becomes a `Refusal` with the stable `code` (and `field`) the services put beside
their English `detail`; pages turn codes into the person's language (errors.py), never showing
`detail` itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field as default
from http.cookies import SimpleCookie
from typing import Any

import httpx
import jwt

from loket.contracts.runtime.logging import bound_correlation_id
from loket.portaal.sessions import Session
from loket.portaal.settings import PortaalSettings

log = logging.getLogger(__name__)
REFRESH_COOKIE = "loket_refresh"  # identity's cookie for its refresh token (loket.identity.http.login)


@dataclass
class Problem:
    """One thing wrong: a stable code, the form field it concerns (or None), numbers for the message."""

    code: str
    field: str | None = None
    ctx: dict[str, Any] = default(default_factory=dict)


class Refusal(Exception):
    def __init__(self, status: int, problems: list[Problem], body: Any = None) -> None:
        super().__init__(f"{status}: {', '.join(problem.code for problem in problems)}")
        self.status = status
        self.problems = problems
        self.body = body

    @property
    def code(self) -> str:
        return self.problems[0].code if self.problems else "unknown"


class SignedOut(Exception):
    """The session is over (or there never was one): the person signs in again. `ended`: identity ended it
    (it ran out, or was ended elsewhere), which the login page then says."""

    def __init__(self, ended: bool = False) -> None:
        super().__init__("session ended" if ended else "signed out")
        self.ended = ended


class Unavailable(Exception):
    """A service does not answer, or answers 503 (its database or broker is away for a moment)."""


def problems_of(status: int, body: Any) -> list[Problem]:
    """The problems in a service's error answer: FastAPI's 422 list (`type` is the code, `loc` ends in the
    field) or `{"detail", "code", "field"}`."""
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, list):
            found = []
            for entry in detail:
                if not isinstance(entry, dict):
                    continue
                loc = [part for part in entry.get("loc", []) if part not in ("body", "query", "path")]
                found.append(
                    Problem(
                        str(entry.get("type") or "invalid"),
                        ".".join(str(part) for part in loc) or None,
                        dict(entry.get("ctx") or {}),
                    )
                )
            return found or [Problem(f"http_{status}")]
        # aanmelding puts a sentence's values in `ctx`, identity beside `code` (`retry_after`, `attempts_left`)
        ctx = {key: value for key, value in body.items() if key not in ("detail", "code", "field", "ctx")}
        ctx.update(body.get("ctx") or {})
        return [Problem(str(body.get("code") or f"http_{status}"), body.get("field"), ctx)]
    return [Problem(f"http_{status}")]


def refresh_token_of(response: httpx.Response) -> str | None:
    """identity's refresh token from its Set-Cookie. Read from the header, not a cookie jar: a jar would keep
    a `Secure` cookie away from a plain-http identity inside the cluster."""
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if REFRESH_COOKIE in cookie and cookie[REFRESH_COOKIE].value:
            return cookie[REFRESH_COOKIE].value
    return None


def claims_of(access_token: str) -> dict[str, Any]:
    """The token's claims, to know whom the portal serves (which pupil, which schools). Not verified here:
    the token came straight from identity, and every service verifies it on every call."""
    return dict(jwt.decode(access_token, options={"verify_signature": False}))


class Services:
    def __init__(self, settings: PortaalSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.urls = {
            "identity": settings.identity_url,
            "dossier": settings.dossier_url,
            "aanmelding": settings.aanmelding_url,
            "loting": settings.loting_url,
            "notificatie": settings.notificatie_url,
        }
        # the services (uvicorn) close a connection after 5 s idle; letting it go after 2 s means a request
        # never goes out on a connection just as the other side closes it (a ReadError)
        self.http = httpx.AsyncClient(
            timeout=settings.service_timeout,
            transport=transport,
            trust_env=False,
            limits=httpx.Limits(keepalive_expiry=2.0),
        )

    async def close(self) -> None:
        await self.http.aclose()

    def url(self, service: str, path: str) -> str:
        return self.urls[service].rstrip("/") + path

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        client: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(headers or {})
        if client:
            headers["X-Forwarded-For"] = client
        if correlation_id := bound_correlation_id():  # the page's request, followed into the services
            headers["X-Correlation-ID"] = str(correlation_id)
        try:
            response = await self.http.request(method, self.url(service, path), headers=headers, **kwargs)
        except httpx.TransportError as exc:
            log.warning("%s does not answer: %s", service, exc)
            raise Unavailable(service) from exc
        if response.status_code == 503:
            # the service answers but cannot reach its database or broker for now: try again in a moment,
            # never a refusal to show, nor a reason to end the session (a refresh during a database restart)
            log.warning("%s is unavailable for now (503)", service)  # no path: some carry a link's token
            raise Unavailable(service)
        return response

    async def anonymous(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call without a token (sign-in, activation, the public procedure); refusals raise."""
        response = await self.send(service, method, path, headers={"Accept": "application/json"}, **kwargs)
        if response.status_code >= 400:
            raise Refusal(response.status_code, problems_of(response.status_code, _json(response)), _json(response))
        return response

    async def as_person(
        self, session: Session, service: str, method: str, path: str, *, client: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A call with the person's token; refreshed first when it is about to run out, and once more if a
        service still finds it expired."""
        if not session.signed_in:
            raise SignedOut(ended=session.ran_out)  # another call of this page found it ended
        if not session.fresh:
            await self.refresh(session, client)
        response = await self._with_token(session, service, method, path, client, **kwargs)
        if response.status_code == 401:
            await self.refresh(session, client)
            response = await self._with_token(session, service, method, path, client, **kwargs)
        if response.status_code == 401:
            session.end(ran_out=True)
            raise SignedOut(ended=True)
        if response.status_code >= 400:
            raise Refusal(response.status_code, problems_of(response.status_code, _json(response)), _json(response))
        return response

    async def json(self, session: Session, service: str, method: str, path: str, **kwargs: Any) -> Any:
        return (await self.as_person(session, service, method, path, **kwargs)).json()

    async def _with_token(
        self, session: Session, service: str, method: str, path: str, client: str | None, **kwargs: Any
    ) -> httpx.Response:
        headers = {
            **(kwargs.pop("headers", None) or {}),  # e.g. an upload's Content-Type
            "Authorization": f"Bearer {session.access_token}",
            "Accept": "application/json",
        }
        return await self.send(service, method, path, client=client, headers=headers, **kwargs)

    async def refresh(self, session: Session, client: str | None) -> None:
        response = await self.send(
            "identity", "POST", "/token", client=client, headers={"Cookie": f"{REFRESH_COOKIE}={session.refresh_token}"}
        )
        if response.status_code != 200:
            session.end(ran_out=True)
            raise SignedOut(ended=True)
        session.renew(response.json(), refresh_token_of(response))

    async def sign_out(self, session: Session, client: str | None) -> None:
        """End identity's session too, so the refresh token is worth nothing any more."""
        if session.refresh_token:
            headers = {"Cookie": f"{REFRESH_COOKIE}={session.refresh_token}"}
            if session.access_token:
                headers["Authorization"] = f"Bearer {session.access_token}"
            try:
                await self.send("identity", "POST", "/logout", client=client, headers=headers)
            except Unavailable:
                log.warning("identity did not answer the logout; the portal's session ends anyway")
        session.end()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
