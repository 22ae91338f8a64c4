"""Staff TOTP secrets, sealed at rest (`loket.contracts.runtime.sealing`) and bound to their account: the
database alone does not give the codes. A secret stored before sealing existed is read as it is and
sealed the next time it is used."""

from __future__ import annotations

import base64

from loket.contracts.runtime.sealing import Sealer
from loket.identity.persistence.models import StaffAccount
from loket.identity.settings import IdentitySettings

SEALED = "v1:"  # a sealed TOTP secret, base64; the rest are from before sealing


class TotpSecrets:
    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer  # reads its key on first use

    @classmethod
    def of(cls, settings: IdentitySettings) -> TotpSecrets:
        key = settings.totp_key.get_secret_value() if settings.totp_key else None
        return cls(Sealer(key, settings.var_dir / "identity-totp.key", "LOKET_IDENTITY_TOTP_KEY"))

    def open(self, account: StaffAccount) -> str | None:
        """The account's TOTP secret, opened; a secret stored before sealing existed is read as it is."""
        stored = account.totp_secret
        if stored is None or not stored.startswith(SEALED):
            return stored
        return self.sealer.open(base64.b64decode(stored[len(SEALED) :]), account.id.bytes)

    def keep(self, account: StaffAccount, secret: str) -> None:
        """Store `secret` sealed, bound to the account."""
        account.totp_secret = SEALED + base64.b64encode(self.sealer.seal(secret, account.id.bytes)).decode()

    def seal_if_plain(self, account: StaffAccount, secret: str) -> None:
        """A secret stored before sealing existed is sealed the next time it is used."""
        if account.totp_secret is not None and not account.totp_secret.startswith(SEALED):
            self.keep(account, secret)
