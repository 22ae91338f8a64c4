"""The links identity has mailed: each opens a page of the web portal (`LOKET_IDENTITY_PORTAL_URL`), built
from the setting and never from a request, with the single-use token as its last part."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PortalLinks:
    portal_url: str

    def _to(self, page: str, token: str) -> str:
        return f"{self.portal_url.rstrip('/')}/{page}/{token}"

    def activation(self, token: str) -> str:
        """A parent's activation link."""
        return self._to("activate", token)

    def invitation(self, token: str) -> str:
        """A staff member's invitation."""
        return self._to("invitation", token)

    def reset(self, token: str) -> str:
        """Anyone's password reset."""
        return self._to("reset", token)
