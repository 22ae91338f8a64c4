"""The links identity mails: each opens a page of the web portal (`LOKET_IDENTITY_PORTAL_URL`), built
from the setting and never from a request, with the single-use token as its last part. A link leaves
identity only sealed into its event (`loket.contracts.runtime.link_sealing`): notificatie opens it to
write the mail, and identity's outbox and the bus hold ciphertext."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from loket.contracts.events import ActivationIssued, EventPayload, InvitationIssued, PasswordResetIssued
from loket.contracts.runtime.link_sealing import LinkSealer


@dataclass(frozen=True)
class PortalLinks:
    portal_url: str
    sealer: LinkSealer

    def to(self, page: str, token: str) -> str:
        return f"{self.portal_url.rstrip('/')}/{page}/{token}"

    def _sealed(self, event: type[EventPayload], account_id: UUID, page: str, token: str) -> str:
        return self.sealer.seal(self.to(page, token), event.event_type, account_id)

    def activation(self, account_id: UUID, token: str) -> str:
        """A parent's activation link, sealed for `ActivationIssued`."""
        return self._sealed(ActivationIssued, account_id, "activate", token)

    def invitation(self, account_id: UUID, token: str) -> str:
        """A staff member's invitation, sealed for `InvitationIssued`."""
        return self._sealed(InvitationIssued, account_id, "invitation", token)

    def reset(self, account_id: UUID, token: str) -> str:
        """Anyone's password reset, sealed for `PasswordResetIssued`."""
        return self._sealed(PasswordResetIssued, account_id, "reset", token)
