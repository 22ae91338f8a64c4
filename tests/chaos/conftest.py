"""The chaos run (`test_chaos_run.py`) and its helpers, beside it; it reuses the browser tests' region."""

import sys
from pathlib import Path

here = Path(__file__).parent
sys.path[:0] = [str(here), str(here.parent / "browser")]
