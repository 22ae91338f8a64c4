"""Attachments (bijlagen) to the OKI-doc, free of any framework: which files, how large, how many.

A file is taken only when its bytes are what its declared type says (PDF, PNG or JPEG, told by their
first bytes), so that nothing else is stored under a harmless name. Its name is kept only as a plain
file name (no folders, no control characters), for the download."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from loket.contracts.errors import Conflict, Invalid

MAX_PER_PUPIL = 20
DEFAULT_MAX_BYTES = 10_000_000
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment without its bytes: what a list of them shows."""

    id: UUID
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class UnsupportedType(Invalid):
    """The file is not one of the types the OKI-doc takes, or not what it says it is."""


def media_type(declared: str | None, content: bytes) -> str:
    """The file's type: one the OKI-doc takes, and the one its bytes show."""
    kind = (declared or "").split(";")[0].strip().lower()
    if kind not in SIGNATURES:
        raise UnsupportedType("content-type", f"only {', '.join(sorted(SIGNATURES))} can be attached")
    if not content.startswith(SIGNATURES[kind]):
        raise UnsupportedType("content-type", f"the file is not a {kind} file")
    return kind


def file_name(value: str | None, kind: str) -> str:
    """A plain file name for the download: the last part of a path, printable, at most 200 characters,
    ending in the type's extension."""
    name = unicodedata.normalize("NFC", (value or "").replace("\\", "/").split("/")[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")[:180] or "bijlage"
    extensions = (EXTENSIONS[kind], ".jpeg") if kind == "image/jpeg" else (EXTENSIONS[kind],)
    return name if name.lower().endswith(extensions) else name + EXTENSIONS[kind]


def check_size(size: int, limit: int) -> None:
    if size == 0:
        raise Invalid("file", "the file is empty")
    if size > limit:
        raise TooLarge(limit)


def check_count(existing: int) -> None:
    if existing >= MAX_PER_PUPIL:
        raise Conflict(f"an OKI-doc has at most {MAX_PER_PUPIL} attachments")


class TooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit // 1_000_000} MB")
        self.limit = limit
