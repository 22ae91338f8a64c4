"""Which Loket this is: the distribution's version and the commit it was built from, for `--version` on
every command line and the build-info metric (metrics.py). The image sets the commit at build time
(`--build-arg LOKET_COMMIT=$(git rev-parse HEAD)`, deploy/images/Dockerfile); a checkout asks git;
anything else says `unknown`."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


@cache
def commit() -> str:
    if found := os.environ.get("LOKET_COMMIT", "").strip():
        return found
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        done = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [git, "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def version_number(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def build_version(distribution: str) -> str:
    return f"{distribution} {version_number(distribution)} (commit {commit()})"


def add_version(parser: argparse.ArgumentParser, distribution: str) -> None:
    """`--version`: print the distribution's version and commit, and exit."""
    parser.add_argument("--version", action="version", version=build_version(distribution))
