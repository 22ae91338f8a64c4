"""The `Content-Disposition` header of a download, by RFC 6266: the file's name as `filename*=UTF-8''…`
(RFC 8187 percent-encoding) after a plain-ASCII `filename="…"` for clients that read only that one.

Every service that answers a file, and the portal that passes one on, builds the header here, never
by putting a name into a string: a name may come from a person (an attachment's file name) or from a
path (`/schools/{brin}/exports/…`), and a `"` or `;` in it would add parameters to the header, a
character outside latin-1 would fail the answer (a 500), and a CR or LF would end the header.

Written here rather than borrowed: Starlette has the same idea only inside `FileResponse` (for a file
on disk, not bytes in memory), gives no ASCII fallback, and leaves `/` unencoded; the PyPI packages for
RFC 6266 parse the header rather than write it, and are unmaintained. `email.message` parses it, as a
test does, and finds the same name again.
"""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Literal
from urllib.parse import quote

Kind = Literal["attachment", "inline"]
FALLBACK = "download"
MAX_NAME = 200  # characters: enough for any name Loket makes; a person's longer name is shortened
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._()+ -]+")  # what may stand in the ASCII fallback as it is


def content_disposition(kind: Kind, file_name: str) -> str:
    """`attachment` (save it) or `inline` (show it), with the file's name as the person should see it:
    the header is ASCII whatever the name, and says nothing but the kind and the name."""
    if kind not in ("attachment", "inline"):
        raise ValueError(f"{kind!r} is not a disposition (attachment or inline)")
    name = clean_name(file_name)
    return f"{kind}; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def clean_name(file_name: str) -> str:
    """The name without a folder, control characters or surrounding blanks, at most `MAX_NAME`
    characters; `download` when nothing is left."""
    name = re.split(r"[/\\]", file_name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip()
    name = name.lstrip(".").strip()  # no hidden file, no `..`
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and 0 < len(extension) <= 10 else ""
        name = (stem if keep else name)[: MAX_NAME - len(keep) - 1].rstrip() + (f".{keep}" if keep else "")
    return name or FALLBACK


def ascii_name(name: str) -> str:
    """The name in plain ASCII for the `filename` parameter: accents dropped (é → e), anything else that
    is not a letter, a digit or one of `._()+ -` as `_`; `download` for a name with nothing left of it."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem, extension = _plain(stem), _plain(extension)
    if not stem.strip("_. "):
        stem = FALLBACK
    return f"{stem}.{extension}" if extension.strip("_") else stem


def passed_on(header: str | None, default_name: str = FALLBACK) -> str:
    """The header for a download another service made, rebuilt here rather than copied: its kind
    (`inline` if it says so, else `attachment`) and the file's name it gives (else `default_name`)."""
    kind: Kind = "inline" if (header or "").split(";")[0].strip().lower() == "inline" else "attachment"
    return content_disposition(kind, file_name_of(header) or default_name)


def file_name_of(header: str | None) -> str | None:
    """The file's name in a `Content-Disposition` header another service gave (its `filename*`, else its
    `filename`), to pass the download on under a header of our own; None when it names none."""
    if not header:
        return None
    parsed = Message()
    parsed["Content-Disposition"] = header
    named = [value for key, value in parsed.get_params([], header="content-disposition")[1:] if key == "filename"]
    # `filename*` comes out of the parser as (charset, language, text); prefer it to the ASCII fallback
    named.sort(key=lambda value: not isinstance(value, tuple))
    name = collapse_rfc2231_value(named[0]) if named else ""
    return clean_name(name) if name.strip() else None


def _plain(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r" {2,}", " ", _NOT_PLAIN.sub("_", plain)).strip(" ")
