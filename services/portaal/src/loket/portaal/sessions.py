"""The portal's session: a cookie sealed with AES-256-GCM, so that no replica keeps any state.

It holds what the portal needs to call the services as the person: identity's access token, identity's
refresh token (identity rotates it at every refresh), who the person is, and the form token against
cross-site requests. Nobody can read or change it without the key; logging out asks identity to end its
session, so a copied cookie is worth at most the rest of one access token's life (minutes).

Our own, not Starlette's `SessionMiddleware`: that one signs its cookie (readable by whoever holds it)
and these tokens must not be readable; it is sealed with the runtime's AES-GCM `Sealer`, as the BSN is.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.responses import Response

from loket.contracts.runtime.sealing import Sealer, SealingKeyError

COOKIE = "loket_portaal"
BOUND_TO = b"loket-portaal-session/1"
REFRESH_BEFORE = 30  # seconds: refresh a token this close to its end rather than have a call fail


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    access_token: str | None = None
    access_expires: float = 0.0
    refresh_token: str | None = None
    subject: str | None = None
    role: str | None = None
    pupil: str | None = None
    schools: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    board: str | None = None
    region: str | None = None
    impersonated_by: str | None = None
    changed: bool = field(default=False, compare=False)
    ran_out: bool = field(default=False, compare=False)  # identity ended it during this request; not kept

    @property
    def signed_in(self) -> bool:
        return self.refresh_token is not None

    @property
    def staff(self) -> bool:
        return self.signed_in and self.role not in (None, "parent")

    @property
    def fresh(self) -> bool:
        return self.access_token is not None and self.access_expires - REFRESH_BEFORE > time.time()

    def begin(self, access: dict[str, Any], refresh_token: str, claims: dict[str, Any]) -> None:
        """Signed in: a new form token too, so a token seen before signing in is worth nothing after."""
        self.csrf = secrets.token_urlsafe(32)
        self.subject = str(access["subject"])
        self.role = str(access["role"])
        scope = claims.get("scope") or {}
        self.pupil = scope.get("pupil")
        self.schools = list(scope.get("schools") or [])
        self.groups = list(scope.get("groups") or [])
        self.board = scope.get("board")
        self.region = claims.get("region")
        self.impersonated_by = (access.get("impersonated_by") or {}).get("sub")
        self.renew(access, refresh_token)

    def renew(self, access: dict[str, Any], refresh_token: str | None) -> None:
        self.access_token = str(access["access_token"])
        self.access_expires = _epoch(str(access["expires_at"]))
        if refresh_token:
            self.refresh_token = refresh_token
        self.changed = True

    def end(self, *, ran_out: bool = False) -> None:
        fresh = Session()
        for name, value in asdict(fresh).items():
            setattr(self, name, value)
        self.changed = True
        self.ran_out = ran_out


def _epoch(moment: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(moment).timestamp()


class SessionCookie:
    def __init__(self, sealer: Sealer, *, secure: bool) -> None:
        self.sealer = sealer
        self.secure = secure

    def load(self, cookie: str | None) -> Session:
        """The session of the cookie; a new one (not signed in) if there is none or it does not open."""
        if cookie:
            try:
                data = json.loads(self.sealer.open(base64.urlsafe_b64decode(cookie.encode()), BOUND_TO))
                return Session(**data)
            except (SealingKeyError, binascii.Error, ValueError, TypeError):
                pass
        session = Session()
        session.changed = True
        return session

    def save(self, response: Response, session: Session) -> None:
        data = asdict(session)
        data.pop("changed")
        data.pop("ran_out")
        sealed = self.sealer.seal(json.dumps(data, separators=(",", ":")), BOUND_TO)
        response.set_cookie(
            COOKIE,
            base64.urlsafe_b64encode(sealed).decode(),
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",  # Strict would drop the cookie when a person arrives from a link in a mail
        )
