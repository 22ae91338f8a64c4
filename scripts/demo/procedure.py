"""The demo's procedure: `regions/demo.toml` with its dates moved to the day of the first `make up`."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "services" / "aanmelding" / "src" / "loket" / "aanmelding" / "adapters" / "regions" / "demo.toml"
DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
CLOSES_AFTER = 21  # days: the registration window closes three weeks after the first run


def procedure_around(day: dt.date) -> str:
    """demo.toml with its one round around `day` (Dutch time): parent logins from two weeks before, the
    registration window from a week before to three weeks after (17:00), a reminder a week before it
    closes, then the schools' decisions, the lottery and the publication two days after it closes."""
    text = TEMPLATE.read_text(encoding="utf-8")
    if text.count("[[rounds]]") != 1:
        raise ValueError(f"{TEMPLATE.name} has more than one round: teach scripts/demo/procedure.py their dates")

    def at(days: int, hour: int, minute: int = 0) -> str:
        return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour, minute)).isoformat()

    closes = at(CLOSES_AFTER, 17)
    published = day + dt.timedelta(days=CLOSES_AFTER + 2)
    starts = published.year if published.month < 8 else published.year + 1  # pupils start after the summer
    values = {
        "school_year": f'"{starts}-{starts + 1}"',
        "parent_login": f"{{ opens = {at(-14, 8)}, closes = {closes} }}",
        "registration": f"{{ opens = {at(-7, 8)}, closes = {closes} }}",
        "reminders": f"[{at(CLOSES_AFTER - 7, 10)}]",
        "decisions_due": at(CLOSES_AFTER + 1, 17),
        "lottery_at": at(CLOSES_AFTER + 2, 10),
        "publication_at": at(CLOSES_AFTER + 2, 15, 30),
    }
    for key, value in values.items():
        pattern = rf'^{key} = (\{{[^}}]*\}}|\[[^\]]*\]|"[^"]*"|\S+)'
        text, found = re.subn(pattern, f"{key} = {value}", text, flags=re.MULTILINE)
        if found != 1:
            raise ValueError(f"{TEMPLATE.name}: expected one line `{key} = …`, found {found}")
    head = (
        f"# Written by `make up` on {day.isoformat()} from regions/demo.toml, its dates moved to that day\n"
        "# (scripts/demo/procedure.py). Delete var/ to start over with today's dates.\n"
    )
    return head + text


def write_procedure(var_dir: Path, today: dt.date | None = None) -> Path:
    """The demo's procedure file, written on the first run and kept after (its dates stay the first run's)."""
    path = var_dir / "demo-procedure.toml"
    if not path.exists():
        from loket.aanmelding.adapters.procedure_file import parse

        text = procedure_around(today or dt.datetime.now(DUTCH_TIME).date())
        parse(text, str(path))  # the same checks as aanmelding's; a bad file must not start the services
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def registration_closes(procedure: Path) -> dt.datetime:
    closes: dt.datetime = tomllib.loads(procedure.read_text(encoding="utf-8"))["rounds"][0]["registration"]["closes"]
    return closes.replace(tzinfo=DUTCH_TIME)
