"""The demo region `make up` fills the first time it runs: schools, pupils, parents and staff, through the
services' own HTTP APIs and the mails they send, as the people themselves would.

- The procedure: `regions/demo.toml` with its dates moved to the day of the first run (`procedure_around`):
  the registration window opened a week before and closes three weeks after; written once to
  `$LOKET_VAR_DIR/demo-procedure.toml`, which aanmelding reads.
- The region: `loket-identity invite-admin` invites the region administrator; every account is activated
  through the link in its mail (read from maildev's JSON API) with the demo password; the administrator
  sets up the board and the schools in dossier and identity and invites the staff; the primary school
  registers its pupils, gives their final advices and sends the parent logins; the parents activate their
  accounts and get as far as their row in the table says.
- Once only: `$LOKET_VAR_DIR/demo/accounts.json` is written when everything is done, and a later run only
  prints the table from it. A run that stopped half-way leaves `demo/started` behind; nothing is added
  then (it would be added twice), and `make up` says to delete var/ to start over.

`procedure.py` moves the dates, `region.py` says who is in the region, `seeding.py` fills it; `begin`, `run`
and `table` below are what scripts/up.py calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .procedure import DUTCH_TIME, ROOT, registration_closes, write_procedure
from .region import PRIMARY, SCHOOL, staff
from .seeding import seed

__all__ = ["begin", "run", "table", "write_procedure"]


def table(seeded: dict[str, Any]) -> list[str]:
    """The demo accounts, as `make up` prints them and the README shows them."""
    rows = [("who", "username", "password", "try")]
    for account in seeded["staff"]:
        password = seeded["password"] + (f" + TOTP {account['totp_secret']}" if account.get("totp_secret") else "")
        rows.append((account["who"], account["email"], password, account["tries"]))
    for child in seeded["parents"]:
        who = f"parent of {child['given_name']} {child['family_name']} ({child['advice'] or 'no advice yet'})"
        tries, password = child["tries"], seeded["password"]
        if child["state"] == "not_activated":
            tries, password = f"{tries}: {PRIMARY[SCHOOL]}, born {child['birth_date']}", "(not set)"
        rows.append((who, child["elk_number"], password, tries))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["Demo accounts (synthetic):"]
    for row in rows:
        lines.append(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3]
        )
    return lines


def begin(*, env: dict[str, str], var_dir: Path, bin_dir: Path) -> subprocess.Popen[str] | None:
    """When the region is still to be filled, as soon as identity runs: mark it begun and invite its administrator
    (`loket-identity invite-admin`, the operator's way) while the other services start. None: nothing to fill."""
    folder = var_dir / "demo"
    if (folder / "accounts.json").exists() or (folder / "started").exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "started").write_text(dt.datetime.now(dt.UTC).isoformat())
    command = [str(bin_dir / "loket-identity"), "invite-admin", staff()[0].email]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run(
    urls: dict[str, str],
    mail_api: str,
    invited: subprocess.Popen[str] | None,
    *,
    env: dict[str, str],
    var_dir: Path,
    say: Callable[[str], None],
    **_: object,
) -> list[str]:
    """Fill the region `begin` began (see the module's docstring); the lines to print: the accounts' table, or
    why there is none."""
    procedure = Path(env["LOKET_AANMELDING_PROCEDURE_FILE"])
    done = var_dir / "demo" / "accounts.json"
    if not done.exists():
        if invited is None:
            return [
                f"WARNING: an earlier `make up` stopped while filling the demo region: delete {var_dir} to start over"
            ]
        say("Filling the demo region (the first run only): schools, staff, pupils and parents, through the APIs...")
        began = time.monotonic()
        try:
            school_year = tomllib.loads(procedure.read_text(encoding="utf-8"))["school_year"]
            seeded = asyncio.run(seed(urls, mail_api, invited, born=int(school_year[:4]) - 12))
        except Exception as failed:  # told; the services keep running
            return [f"WARNING: filling the demo region failed: {failed}", f"Delete {var_dir} to try again."]
        done.write_text(json.dumps(seeded, indent=2, ensure_ascii=False), encoding="utf-8")
        (var_dir / "demo" / "started").unlink()
        say(f"The demo region is filled ({time.monotonic() - began:.0f} s) and kept in {var_dir}.")
    lines = table(json.loads(done.read_text(encoding="utf-8")))
    closes = registration_closes(procedure)
    if dt.datetime.now(DUTCH_TIME) >= closes:
        lines.append(
            f"WARNING: the demo's registration closed {closes:%Y-%m-%d %H:%M}; delete {var_dir} for a new demo"
        )
    else:
        lines.append(f"Registration (1e ronde) is open until {closes:%Y-%m-%d %H:%M}.")
    return lines
