"""Reading a region's procedure from its TOML file, with errors that say what is wrong and where.

Loket ships the procedures of Zaanstad, Amstelland and Amsterdam (with synthetic schools) and a demo
region in `regions/`; a region's operator points `LOKET_AANMELDING_PROCEDURE_FILE` at its own file.
TOML because it is in the standard library, takes comments, and has dates and times of its own.
"""

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from loket.aanmelding.domain.procedure import Procedure

SHIPPED = files("loket.aanmelding.adapters") / "regions"


class ProcedureInvalid(ValueError):
    """The problems of a procedure file, one line each: `file: where: what`."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


def shipped_regions() -> list[str]:
    return sorted(Path(entry.name).stem for entry in SHIPPED.iterdir() if entry.name.endswith(".toml"))


def shipped(region: str) -> Procedure:
    """The procedure Loket ships for `region`."""
    entry = SHIPPED / f"{region}.toml"
    if not entry.is_file():
        raise ProcedureInvalid(
            f"regions/{region}.toml",
            [
                f"Loket ships no procedure for {region!r} ({', '.join(shipped_regions())}); "
                "set LOKET_AANMELDING_PROCEDURE_FILE"
            ],
        )
    return parse(entry.read_text(encoding="utf-8"), f"regions/{region}.toml")


def load(path: Path) -> Procedure:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProcedureInvalid(str(path), [f"cannot be read ({exc.strerror})"]) from None
    return parse(text, str(path))


def parse(text: str, source: str) -> Procedure:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProcedureInvalid(source, [f"is not TOML: {exc}"]) from None
    try:
        return Procedure.model_validate(document)
    except ValidationError as exc:
        raise ProcedureInvalid(source, [problem for error in exc.errors() for problem in _described(error)]) from None


def _described(error: Any) -> list[str]:
    where = _path(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a setting Loket knows (a typing error?)"
    elif error["type"] == "missing":
        message = "is missing"
    if not where:  # the whole procedure's own checks each already name where
        return message.split("; ")
    return [f"{where}: {part}" for part in message.split("; ")]


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path
