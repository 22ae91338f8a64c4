"""Every text of the portal is in the catalogs, and every catalog has every text: a page never shows
English to someone who chose Dutch because a translation was forgotten."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from loket.portaal import i18n

PORTAAL = Path(__file__).resolve().parents[1]
CATALOGS = PORTAAL / "src/loket/portaal/translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's text, or the forms of a plural one."""
    return text if isinstance(text, tuple) else (text,)


def extracted(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "translate:2",
            "--no-location",
            "-o",
            str(pot),
            "src",
        ],
        cwd=PORTAAL,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as source:
        return {message.id for message in read_po(source) if message.id}


def test_every_text_in_the_templates_and_code_has_a_translation_in_every_language(tmp_path):
    texts = extracted(tmp_path)
    assert len(texts) > 100
    for language in i18n.LANGUAGES:
        with (CATALOGS / language / "LC_MESSAGES/messages.po").open("rb") as source:
            catalog = read_po(source, locale=language)
        known = {message.id for message in catalog if message.id}
        assert texts <= known, f"{language}: not in the catalog (pybabel update): {sorted(texts - known)[:10]}"
        if language != "en":  # English is the source language: its catalog may leave a text as it is
            untranslated = sorted(
                str(message.id) for message in catalog if message.id in texts and not all(forms(message.string))
            )
            assert not untranslated, f"{language}: not translated: {untranslated[:10]}"


def test_placeholders_survive_translation():
    with (CATALOGS / "nl/LC_MESSAGES/messages.po").open("rb") as source:
        catalog = read_po(source, locale="nl")
    for message in catalog:
        if message.id and message.string:
            wanted = sorted(PLACEHOLDER.findall(forms(message.id)[-1]))
            for form in forms(message.string):  # each plural form keeps them too
                assert sorted(PLACEHOLDER.findall(form)) == wanted, message.id


def test_dates_are_written_in_the_chosen_language_in_dutch_time():
    moment = "2027-06-30T15:00:00+00:00"
    assert i18n.when(moment, "nl") == "30 juni 2027, 17:00"
    assert i18n.when(moment, "en") == "June 30, 2027, 5:00\u202fPM"
    assert i18n.direction("nl") == "ltr" and i18n.direction("ar") == "rtl"
