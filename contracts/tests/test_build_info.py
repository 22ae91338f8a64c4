"""`--version` on every command line: the distribution's version and the commit it was built from."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
COMMANDS = [  # the console scripts of every pyproject, and the broker's module
    (["loket-identity"], "loket-identity"),
    (["loket-identity-keys"], "loket-identity"),
    (["loket-dossier"], "loket-dossier"),
    (["loket-aanmelding"], "loket-aanmelding"),
    (["loket-loting"], "loket-loting"),
    (["loting"], "loket-loting"),
    (["loket-notificatie"], "loket-notificatie"),
    (["loket-portaal"], "loket-portaal"),
    (["-m", "loket.contracts.broker_access"], "loket-contracts"),
]


def command(argv: list[str]) -> list[str]:
    return [sys.executable, *argv] if argv[0] == "-m" else [str(BIN / argv[0])]


@pytest.mark.parametrize(("argv", "distribution"), COMMANDS, ids=[argv[-1] for argv, _ in COMMANDS])
def test_every_command_says_its_version_and_commit(argv: list[str], distribution: str) -> None:
    done = subprocess.run(
        [*command(argv), "--version"],
        env={**os.environ, "LOKET_COMMIT": "0123456789ab"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{distribution} 0.1.0 (commit 0123456789ab)"


def test_without_a_set_commit_a_checkout_names_its_own() -> None:
    environment = {key: value for key, value in os.environ.items() if key != "LOKET_COMMIT"}
    done = subprocess.run(
        [str(BIN / "loket-aanmelding"), "--version"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"loket-aanmelding 0.1.0 (commit {head.stdout.strip()})"
