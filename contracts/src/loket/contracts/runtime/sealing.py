"""Sealing a small secret at rest with AES-256-GCM (the `cryptography` package), bound to the row it
belongs to: dossier's BSNs, identity's TOTP secrets.

The key is 32 bytes, given base64-encoded in a setting (in production a mounted secret, the same for
every replica). Without it, the service uses a key file in its var folder and makes one there on first
use, with a warning: fine on a developer's machine (`make up`), wrong in production, where losing the
file makes every sealed value unreadable.

A sealed value is one version byte, a fresh 12-byte nonce and the ciphertext with its tag. The row's id
is the associated data, so a sealed value copied onto another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

VERSION = b"\x01"
NONCE_BYTES = 12


class SealingKeyError(ValueError):
    """The key is missing, malformed, or not the key the values were sealed with."""


def decode_key(encoded: str, setting: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SealingKeyError(f"{setting} is not base64") from None
    if len(key) != 32:
        raise SealingKeyError(f"{setting} must be 32 bytes (base64 of 32 bytes), not {len(key)}")
    return key


def new_key() -> str:
    """A fresh key, base64-encoded, as the settings want it."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


class Sealer:
    """Seals and opens values. The key is read on first use, so commands that never touch a sealed value
    (`openapi`, `migrate`) need none. `setting` names the key's setting in messages."""

    def __init__(self, key: str | None, key_file: Path, setting: str) -> None:
        self._configured = key
        self._key_file = key_file
        self._setting = setting
        self._aead: AESGCM | None = None

    def seal(self, value: str, bound_to: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return VERSION + nonce + self._cipher().encrypt(nonce, value.encode(), bound_to)

    def open(self, sealed: bytes, bound_to: bytes) -> str:
        if sealed[:1] != VERSION:
            raise SealingKeyError("a sealed value of an unknown version")
        nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._cipher().decrypt(nonce, ciphertext, bound_to).decode()
        except InvalidTag:
            raise SealingKeyError(f"a sealed value does not open with this key (is {self._setting} right?)") from None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(decode_key(self._configured or self._from_file(), self._setting))
        return self._aead

    def _from_file(self) -> str:
        if not self._key_file.exists():
            log.warning(
                "%s is not set: making a key in %s (fine for development; set the key from a secret in production)",
                self._setting,
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
