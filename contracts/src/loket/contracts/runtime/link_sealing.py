"""The links identity mails (activation, invitation, password reset) travel sealed: identity seals each
link into its event with a key only identity and notificatie have (`LOKET_LINK_KEY`), and notificatie
opens it only to write the mail. identity's outbox, the bus, the dead-letter and wait queues and anyone
with broker access see ciphertext; nobody stores the link readable.

Sealed as `loket.contracts.runtime.sealing` seals (AES-256-GCM), bound to the event type and the account,
so a sealed link copied into another event or onto another account does not open. Without the setting,
both services use the key file `$LOKET_VAR_DIR/link.key` (development: `make up` and the tests share the
folder); in production both mount the same secret.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from uuid import UUID

from pydantic import Field, SecretStr, field_validator

from loket.contracts.runtime.sealing import Sealer, SealingKeyError, decode_key
from loket.contracts.runtime.settings import ServiceSettings

SETTING = "LOKET_LINK_KEY"


class LinkKeySettings(ServiceSettings):
    """The settings of a service that seals or opens links: identity and notificatie."""

    link_key: SecretStr | None = Field(
        default=None,
        validation_alias=SETTING,
        description="The AES-256-GCM key that seals the links in identity's mails on their way to notificatie: "
        "32 bytes, base64, the same in both. Unset: the key file (development only).",
    )
    link_key_file: Path | None = Field(
        default=None,
        validation_alias="LOKET_LINK_KEY_FILE",
        description=f"The key when {SETTING} is unset; default $LOKET_VAR_DIR/link.key, made on first use.",
    )

    @field_validator("link_key")
    @classmethod
    def _a_link_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None:
            decode_key(key.get_secret_value(), SETTING)
        return key

    def link_sealer(self) -> LinkSealer:
        key = self.link_key.get_secret_value() if self.link_key else None
        return LinkSealer(key, self.link_key_file or self.var_dir / "link.key")


class LinkSealer:
    def __init__(self, key: str | None, key_file: Path) -> None:
        self._sealer = Sealer(key, key_file, SETTING)

    def seal(self, link: str, event_type: str, account_id: UUID) -> str:
        sealed = self._sealer.seal(link, _bound_to(event_type, account_id))
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, sealed: str, event_type: str, account_id: UUID) -> str:
        """The link; `SealingKeyError` (naming the setting) when it does not open with this key."""
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        except (binascii.Error, ValueError):
            raise SealingKeyError("a sealed link that is not base64url") from None
        return self._sealer.open(raw, _bound_to(event_type, account_id))


def _bound_to(event_type: str, account_id: UUID) -> bytes:
    return f"{event_type}/{account_id}".encode()
