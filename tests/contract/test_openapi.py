"""The committed OpenAPI documents (`services/<service>/openapi.json`) are what the services serve."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_committed_openapi_document_matches_the_code() -> None:
    check = subprocess.run(
        [sys.executable, "scripts/openapi.py", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert check.returncode == 0, check.stderr
