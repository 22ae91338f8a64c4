"""docs/glossary.md says which of its code names the code has: a row whose code names the code does not
(yet) spell is marked *to come*, and a row not so marked names at least one the code spells. A term
that arrives in the code, or leaves it, changes its row in the same change."""

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
TO_COME = "*to come*"
ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)")
SOURCES = (".py", ".html", ".toml", ".txt")


@cache
def code() -> str:
    roots = [ROOT / "contracts" / "src", *sorted((ROOT / "services").glob("*/src"))]
    return "\n".join(
        path.read_text(errors="ignore")
        for root in roots
        for path in sorted(root.rglob("*"))
        if path.suffix in SOURCES and "locale" not in path.parts
    )


def spelled(name: str) -> bool:
    """As written, or as the code spells the same words: `PreferenceList`, `tiebreak`; a route by its
    path with any parameter names; an event without its version."""
    if route := ROUTE.match(name):
        path = re.escape(route.group(2))
        return (
            re.search(re.sub(r"\\\{[^}]*\\\}", r"\\{[^}]+\\}", path), code()) is not None
            or route.group(2).rsplit("/", 1)[-1] in code()
        )
    name = re.sub(r"\.v\d+$", "", name)
    if "." in name and not name.startswith("loket"):  # `Pupil.external`, `Round.forwarding`
        return all(part in code() for part in name.split("."))
    camel = "".join(word.capitalize() for word in name.split("_"))
    return any(form in code() for form in (name, camel, name.replace("_", "")))


def rows() -> list[tuple[int, str, list[str]]]:
    found, section = [], ""
    for number, line in enumerate(GLOSSARY.read_text().splitlines(), start=1):
        if line.startswith("## "):
            section = line
        if not line.startswith("| ") or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        cell = cells[2] if "Dutch → code" in section else cells[0] if "Code → Dutch" in section else ""
        if names := re.findall(r"`([^`]+)`", cell):
            found.append((number, cell, names))
    return found


def test_the_glossary_has_rows_to_check():
    assert len(rows()) > 100


def test_each_row_says_truly_whether_the_code_has_its_names():
    wrong = []
    for number, cell, names in rows():
        has = [name for name in names if spelled(name)]
        if TO_COME in cell and has:
            wrong.append(f"glossary.md:{number}: marked {TO_COME}, but the code has {has}")
        if TO_COME not in cell and not has:
            wrong.append(f"glossary.md:{number}: the code has none of {names}: mark it {TO_COME}")
    assert wrong == []
