"""docs/flow.md follows one registration by file names: every file it names exists, so that the page
cannot go on pointing at a file that moved or was renamed."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOW = ROOT / "docs" / "flow.md"
NAMED = re.compile(r"`([\w./]+\.py)`")


def named_files() -> list[str]:
    return NAMED.findall(FLOW.read_text())


def test_the_flow_names_files_from_the_parent_s_click_to_the_letter():
    names = named_files()
    assert "portaal/src/loket/portaal/http/registration.py" in names
    assert "notificatie/src/loket/notificatie/application/prepared_letters.py" in names
    assert len(names) > 30


def test_every_file_the_flow_names_exists():
    everything = [path.relative_to(ROOT).as_posix() for path in (ROOT / "services").rglob("*.py")]
    everything += [path.relative_to(ROOT).as_posix() for path in (ROOT / "contracts" / "src").rglob("*.py")]
    missing = []
    for name in named_files():
        if (ROOT / name).exists() or (ROOT / "services" / name).exists():
            continue
        if name.count("/") <= 1 and any(path.endswith("/" + name) for path in everything):
            continue  # a short name, after its full path was given
        missing.append(name)
    assert missing == []
