"""The BSN at rest: sealed with AES-256-GCM, bound to its pupil.

The key is 32 bytes, given base64-encoded in `LOKET_DOSSIER_BSN_KEY` (in production a mounted secret,
the same for every dossier replica). Without it, dossier uses the key file `$LOKET_VAR_DIR/dossier-bsn.key`
and makes one there on first use, with a warning: fine on a developer's machine (`make up`), wrong in
production, where losing that file makes every stored BSN unreadable (the school would pull them in
again from its pupil administration).

A sealed BSN is one version byte, a fresh 12-byte nonce and the ciphertext with its tag. The pupil's id
is the associated data, so a sealed BSN copied onto another pupil's row does not open. The BSN never
goes into an event, a log line, an audit entry, or an answer to anyone but the pupil's own school.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

VERSION = b"\x01"
NONCE_BYTES = 12


class BsnKeyError(ValueError):
    """The key is missing, malformed, or not the key the BSNs were sealed with."""


def decode_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BsnKeyError("LOKET_DOSSIER_BSN_KEY is not base64") from None
    if len(key) != 32:
        raise BsnKeyError(f"LOKET_DOSSIER_BSN_KEY must be 32 bytes (base64 of 32 bytes), not {len(key)}")
    return key


def new_key() -> str:
    """A fresh key, base64-encoded, as `LOKET_DOSSIER_BSN_KEY` wants it."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


class BsnVault:
    """Seals and opens BSNs. The key is read on first use, so commands that never touch a BSN
    (`openapi`, `migrate`) need none."""

    def __init__(self, key: str | None, key_file: Path) -> None:
        self._configured = key
        self._key_file = key_file
        self._aead: AESGCM | None = None

    def seal(self, bsn: str, pupil_id: UUID) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return VERSION + nonce + self._cipher().encrypt(nonce, bsn.encode(), pupil_id.bytes)

    def open(self, sealed: bytes, pupil_id: UUID) -> str:
        if sealed[:1] != VERSION:
            raise BsnKeyError("a sealed BSN of an unknown version")
        nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._cipher().decrypt(nonce, ciphertext, pupil_id.bytes).decode()
        except InvalidTag:
            raise BsnKeyError("a stored BSN does not open with this key (is LOKET_DOSSIER_BSN_KEY right?)") from None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(decode_key(self._configured or self._from_file()))
        return self._aead

    def _from_file(self) -> str:
        if not self._key_file.exists():
            log.warning(
                "LOKET_DOSSIER_BSN_KEY is not set: making a BSN key in %s "
                "(fine for development; set the key from a secret in production)",
                self._key_file,
            )
            self._key_file.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self._key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it a moment ago
                return self._key_file.read_text()
            with os.fdopen(fd, "w") as file:
                file.write(new_key())
        return self._key_file.read_text()
