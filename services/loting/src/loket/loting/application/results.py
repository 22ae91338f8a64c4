"""A market file's result, as `loting solve | verify | explain` work with it: run the lottery and
write the result file, re-run it and compare with a published one byte for byte, and say why a student
got their outcome. Nothing is written unless the whole run succeeded."""

from pathlib import Path

from loket.contracts.errors import Conflict, NotFound
from loket.loting.adapters import files
from loket.loting.application import Failed
from loket.loting.domain.engine import load_market, result_bytes, solve
from loket.loting.domain.engine.compare import differences
from loket.loting.domain.engine.explain import ResultMismatch, explain


def solve_market(market: Path, result: Path) -> None:
    write(result, result_bytes(solve(load_market(read(market, "market")))))


def verify(market: Path, result: Path) -> list[str] | None:
    """None when the result file is the market's result byte for byte, else what differs."""
    checked, published = load_market(read(market, "market")), read(result, "result")
    derived = result_bytes(solve(checked))
    return None if derived == published else differences(derived, published)


def explain_outcome(market: Path, result: Path, student: str, lang: str) -> str:
    checked, published = load_market(read(market, "market")), read(result, "result")
    try:
        return explain(checked, published, student, lang)
    except KeyError:
        raise NotFound(f"student {student} is not in {market}") from None
    except ResultMismatch as exc:
        raise Conflict(f"{result}: {exc}") from None


def read(path: Path, what: str) -> bytes:
    try:
        return files.read(path)
    except OSError as exc:
        raise Failed(f"cannot read {what} {path}: {exc.strerror}") from None


def write(path: Path, data: bytes) -> None:
    try:
        files.write_atomically(path, data)
    except OSError as exc:
        raise Failed(f"cannot write {path}: {exc.strerror}") from None
