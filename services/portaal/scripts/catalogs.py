"""Bring the catalogs up to date with the code, and fill in Dutch translations.

    uv run python services/portaal/scripts/catalogs.py            # extract, update; list the untranslated
    uv run python services/portaal/scripts/catalogs.py a.json b.json    # … and take {"English": "Dutch"} from files

pybabel's own commands do the extracting and updating; this only runs them with the project's options
(no fuzzy guesses: a guessed translation is worse than none, and the catalog test catches a missing one)
and writes given translations in with Babel's own reader and writer. Plural messages take a list."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parents[1]
TRANSLATIONS = HERE / "src/loket/portaal/translations"


def main() -> None:
    run = ["uv", "run", "--project", str(HERE), "pybabel"]
    subprocess.run(  # noqa: S603 - our own command line, no input in it
        [*run, "extract", "-F", "babel.cfg", "-k", "N_", "-k", "translate:2", "--no-location", "--sort-output",
         "-o", str(TRANSLATIONS / "messages.pot"), "src"],
        cwd=HERE, check=True,
    )  # fmt: skip
    subprocess.run(  # noqa: S603 - our own command line, no input in it
        [*run, "update", "-i", str(TRANSLATIONS / "messages.pot"), "-d", str(TRANSLATIONS), "--no-wrap",
         "--ignore-obsolete", "--no-fuzzy-matching"],
        cwd=HERE, check=True,
    )  # fmt: skip
    given: dict[str, str | list[str]] = {}
    for name in sys.argv[1:]:
        for key, text in json.loads(Path(name).read_text()).items():
            if given.get(key, text) != text:
                print(f"two translations of {key!r}: {given[key]!r}, and {text!r} in {name}")
            given[key] = text
    path = TRANSLATIONS / "nl/LC_MESSAGES/messages.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in given:
            wanted = tuple(given[key]) if isinstance(message.id, tuple) else given[key]
            if message.string and any(message.string) and message.string != wanted:
                print(f"changed: {key!r}: {message.string!r} → {wanted!r}")  # one text, two translations?
            message.string = wanted
            message.flags.discard("fuzzy")
        if not (all(message.string) if isinstance(message.string, tuple) else message.string):
            missing.append(key)
    with path.open("wb") as file:
        write_po(file, catalog, width=0, omit_header=False, sort_output=True)
    for key in missing:
        print(f"untranslated: {key}")


if __name__ == "__main__":
    main()
