"""What a long `loting simulate` says on the terminal while it runs."""

import sys
from typing import Any

from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs; types-tqdm is not a dependency


def progress_bar(draws: int) -> Any:
    """Draws done, on stderr; silent when stderr is not a terminal."""
    return tqdm(total=draws, unit="draw", desc="simulating", file=sys.stderr, disable=None, dynamic_ncols=True)


def notice(text: str) -> None:
    """A line above the progress bar."""
    tqdm.write(f"loting: {text}", file=sys.stderr)
