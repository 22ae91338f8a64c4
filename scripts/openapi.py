"""Write each service's OpenAPI document to `services/<service>/openapi.json` (`make openapi`), or with
`--check` fail when a committed one differs from what the code serves (a test runs the check)."""

import argparse
import importlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("identity", "dossier", "aanmelding", "loting", "notificatie")


def document(service: str, var_dir: Path) -> str:
    app_module = importlib.import_module(f"loket.{service}.app")
    settings_module = importlib.import_module(f"loket.{service}.settings")
    settings_class = next(
        value
        for name, value in vars(settings_module).items()
        if name.endswith("Settings") and value.__module__ == settings_module.__name__
    )
    _, app = app_module.build(settings_class(var_dir=var_dir))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    with tempfile.TemporaryDirectory() as var_dir:
        for service in SERVICES:
            path = ROOT / "services" / service / "openapi.json"
            text = document(service, Path(var_dir))
            if args.check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path.relative_to(ROOT)))
            else:
                path.write_text(text)
    if stale:
        print(f"out of date (run `make openapi`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
