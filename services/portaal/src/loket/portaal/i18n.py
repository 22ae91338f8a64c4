"""Languages: the gettext catalogs (Babel), the language a person chose, dates in that language.

The catalogs are the `.po` files under `translations/`, compiled in memory when the portal starts: no
compiled `.mo` file is kept in the repository to drift from its source. A region adds a language by
adding a catalog (`pybabel init -l xx`) and its code to LANGUAGES.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

CATALOGS = Path(__file__).parent / "translations"
LANGUAGES = ("nl", "en")
DEFAULT = "nl"
LANGUAGE_COOKIE = "loket_lang"
DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


def N_(message: str) -> str:  # gettext's name: mark for the catalog, translate later
    return message


@cache
def translations(language: str) -> Translations:
    """The catalog of a language; English is the source language, its catalog only corrects wording."""
    path = CATALOGS / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return Translations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def chosen(cookie: str | None, asked: str | None = None) -> str:
    for language in (asked, cookie):
        if language in LANGUAGES:
            return language
    return DEFAULT


def direction(language: str) -> str:
    return "rtl" if Locale.parse(language).character_order == "right-to-left" else "ltr"


def language_name(language: str) -> str:
    """A language by its own name (Nederlands, English), as a switch should show it."""
    return str(Locale.parse(language).get_display_name(language)).capitalize()


def when(moment: datetime | str | None, language: str) -> str:
    """A moment in Dutch time, written out in the person's language: '30 juni 2027, 17:00'."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(DUTCH_TIME)
    return (
        f"{format_date(local, format='long', locale=language)}, {format_time(local, format='short', locale=language)}"
    )


def day(moment: datetime | str | None, language: str) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if isinstance(moment, datetime):
        moment = moment.astimezone(DUTCH_TIME)
    return format_date(moment, format="long", locale=language)
