"""Every service has the same rooms (docs/architecture.md, "Shape of a service"), and the rules that
keep each room to its job hold: queries only in `persistence/`, transactions and events only through
the unit of work, the time only from its clock, refusals only in the shared vocabulary. Import rules
that a linter can check are in pyproject's import-linter contracts; these are the ones it cannot."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "dossier", "aanmelding", "loting", "notificatie")
ROOMS = {"adapters", "application", "domain", "handlers", "http", "migrations", "persistence"}
FILES = {"__init__.py", "__main__.py", "app.py", "settings.py"}
MIDDLE = ("application", "handlers", "http")  # where no SQL is written and no clock is read


def package(service: str) -> Path:
    return ROOT / "services" / service / "src" / "loket" / service


def sources(service: str, *rooms: str) -> list[Path]:
    found = []
    for room in rooms or ("",):
        found += sorted((package(service) / room).rglob("*.py"))
    return [path for path in found if "migrations" not in path.parts]


def offending(paths: list[Path], pattern: str) -> list[str]:
    expression = re.compile(pattern)
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if expression.search(line)
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_the_same_rooms(service):
    top = [path for path in package(service).iterdir() if path.name != "__pycache__"]
    assert {path.name for path in top if path.is_dir()} == ROOMS
    assert {path.name for path in top if path.is_file()} <= FILES


@pytest.mark.parametrize("service", SERVICES)
def test_event_handlers_are_named_by_what_they_handle(service):
    names = {path.name for path in (package(service) / "handlers").glob("*.py")} - {"__init__.py"}
    assert all(name.startswith("on_") for name in names), sorted(names)


@pytest.mark.parametrize("service", SERVICES)
def test_no_query_outside_persistence(service):
    assert offending(sources(service, *MIDDLE), r"\bselect\(|session\.(exec|execute|scalars?|get)\(|\btext\(") == []


@pytest.mark.parametrize("service", SERVICES)
def test_transactions_and_events_only_through_the_unit_of_work(service):
    assert offending(sources(service), r"\.transaction\(\)|\bnudge\(\)|outbox\.put\(") == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_time_comes_from_the_unit_of_work_s_clock(service):
    assert offending(sources(service, *MIDDLE), r"datetime\.now\(|datetime\.utcnow\(|\btime\.time\(") == []


@pytest.mark.parametrize("service", SERVICES)
def test_refusals_come_from_the_shared_vocabulary(service):
    own_kinds = r"^class (NotFound|Forbidden|NotAllowed|Conflict|NotNow|Invalid)\b"
    own_mappers = r"^def (answered|answering|allow)\(|HTTPException\(status\.HTTP_(403|404|409)"
    assert offending(sources(service), own_kinds) == []
    assert offending(sources(service, "http"), own_mappers) == []


def test_the_architecture_shows_these_rooms_once():
    """docs/architecture.md draws the rooms in one block; what it draws is what this test checks."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Shape of a service", 1)[1]
    block = section.split("```text", 1)[1].split("```", 1)[0]
    entries = [line.split()[0] for line in block.splitlines() if line.startswith("  ")]  # under the header
    assert {entry.rstrip("/") for entry in entries if entry.endswith("/")} == ROOMS
    assert {entry for entry in entries if entry.endswith(".py")} == FILES - {"__init__.py"}
