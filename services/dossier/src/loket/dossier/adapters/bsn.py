"""The BSN at rest: sealed with AES-256-GCM, bound to its pupil.

The key is 32 bytes, given base64-encoded in `LOKET_DOSSIER_BSN_KEY` (in production a mounted secret,
the same for every dossier replica). Without it, dossier uses the key file `$LOKET_VAR_DIR/dossier-bsn.key`
and makes one there on first use, with a warning: fine on a developer's machine (`make up`), wrong in
production, where losing that file makes every stored BSN unreadable (the school would pull them in
again from its pupil administration).

Sealed as `loket.contracts.runtime.sealing` seals: the pupil's id is the associated data, so a sealed BSN
copied onto another pupil's row does not open. The BSN never
goes into an event, a log line, an audit entry, or an answer to anyone but the pupil's own school.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from loket.contracts.runtime.sealing import Sealer, SealingKeyError
from loket.contracts.runtime.sealing import decode_key as _decode_key
from loket.contracts.runtime.sealing import new_key as new_key

SETTING = "LOKET_DOSSIER_BSN_KEY"
BsnKeyError = SealingKeyError


def decode_key(encoded: str) -> bytes:
    return _decode_key(encoded, SETTING)


class BsnVault:
    """Seals and opens BSNs. The key is read on first use, so commands that never touch a BSN
    (`openapi`, `migrate`) need none."""

    def __init__(self, key: str | None, key_file: Path) -> None:
        self._sealer = Sealer(key, key_file, SETTING)

    def seal(self, bsn: str, pupil_id: UUID) -> bytes:
        return self._sealer.seal(bsn, pupil_id.bytes)

    def open(self, sealed: bytes, pupil_id: UUID) -> str:
        return self._sealer.open(sealed, pupil_id.bytes)
