"""The market file (`loting-market/1`): read, check every rule, and lay out as flat arrays.

A market is refused as a whole with the first rule it breaks, named with the student or program at
fault, so that whoever built it can fix it; nothing downstream ever sees a half-valid market.
"""

import gc
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

FORMAT = "loting-market/1"
MECHANISMS = ("da-stb", "da-mtb", "first-choice-da-stb")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
SEED_PATTERN = re.compile(r"[0-9a-f]{64}")
MARKET_KEYS = frozenset({"format", "mechanism", "seed", "programs", "students"})
PROGRAM_KEYS = frozenset({"id", "capacity"})
STUDENT_KEYS = frozenset({"id", "preferences", "priorities", "group", "guaranteed"})
_INT64 = 2**62  # priorities beyond this are ranked densely instead of used as they are

IntArray = npt.NDArray[np.int64]
_NO_PRIORITIES: dict[str, int] = {}  # shared by every student without priorities; never written to


class InvalidMarket(ValueError):
    """The market breaks a rule of the spec; `where` names the student or program, `rule` the rule."""

    def __init__(self, where: str, rule: str) -> None:
        super().__init__(f"{where}: {rule}")
        self.where = where
        self.rule = rule


@dataclass(frozen=True, eq=False)
class Market:
    """A valid market. Students' preference lists are flattened into *pairs* (student, program).

    Pairs are in student order, each student's in preference order, cut after a `guaranteed` program;
    student `s` owns pairs `offsets[s]:offsets[s + 1]`.
    """

    sha256: str
    mechanism: str
    seed: bytes
    program_ids: list[str]
    capacity: IntArray
    student_ids: list[str]
    groups: list[str | None]
    offsets: IntArray
    pair_student: IntArray
    pair_program: IntArray
    pair_rank: IntArray  # 1-based position in the student's preference list
    pair_priority: IntArray  # order-preserving: equal to the priority unless priorities are huge
    pair_guaranteed: npt.NDArray[np.bool_]
    priorities: list[dict[str, int]]  # as written, for explanations
    # what every draw of this market shares (levels, messages): computed once, kept across `with_seed`
    cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def seed_hex(self) -> str:
        return self.seed.hex()

    @property
    def subjects(self) -> list[str]:
        return [
            f"group:{g}" if g is not None else f"student:{s}"
            for s, g in zip(self.student_ids, self.groups, strict=True)
        ]

    def with_seed(self, seed: bytes) -> "Market":
        """The same market under another seed (a draw); `sha256` keeps naming the file it came from."""
        drawn = replace(self, seed=seed)
        object.__setattr__(drawn, "cache", self.cache)
        return drawn

    @property
    def by_id(self) -> list[int]:
        """Student indexes in code-point order of their ids (Python compares str by code point)."""
        if "by_id" not in self.cache:
            self.cache["by_id"] = sorted(range(len(self.student_ids)), key=self.student_ids.__getitem__)
        order: list[int] = self.cache["by_id"]
        return order

    def student_index(self, student_id: str) -> int:
        try:
            return self.student_ids.index(student_id)
        except ValueError:
            raise KeyError(student_id) from None


def load_market(data: bytes) -> Market:
    """Parse and check a market file's exact bytes.

    orjson parses a country-size file three times faster than `json`, but reads integers beyond 64
    bits as floats; a market that fails any check is therefore read again with `json`, which is exact,
    so that the verdict and its message never depend on the parser.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        with paused_gc():
            return build_market(orjson.loads(data), sha256)
    except (orjson.JSONDecodeError, InvalidMarket):
        pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMarket("market", f"not UTF-8 (byte {exc.start})") from None
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidMarket("market", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return build_market(document, sha256)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of containers are made and none become garbage.

    A country-size market is a million small dicts; each allocation burst triggers a collection that
    walks all of them again, which made reading 1,000,000 students take 7 s instead of 0.6 s.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def build_market(document: Any, sha256: str) -> Market:
    if not isinstance(document, dict):
        raise InvalidMarket("market", "must be a JSON object")
    _only_keys(document, MARKET_KEYS, "market")
    for key in sorted(MARKET_KEYS):
        if key not in document:
            raise InvalidMarket("market", f'"{key}" is missing')
    if document["format"] != FORMAT:
        raise InvalidMarket("market", f'"format" must be "{FORMAT}", not {_show(document["format"])}')
    mechanism = document["mechanism"]
    if mechanism not in MECHANISMS:
        raise InvalidMarket("market", f'"mechanism" must be one of {", ".join(MECHANISMS)}, not {_show(mechanism)}')
    seed = document["seed"]
    if not isinstance(seed, str) or not SEED_PATTERN.fullmatch(seed):
        raise InvalidMarket("market", f'"seed" must be 64 lowercase hexadecimal characters, not {_show(seed)}')

    program_ids, capacity = _programs(document["programs"])
    index = {p: i for i, p in enumerate(program_ids)}
    return _students(document["students"], index, capacity, mechanism, bytes.fromhex(seed), sha256, program_ids)


def _programs(programs: Any) -> tuple[list[str], IntArray]:
    if not isinstance(programs, list):
        raise InvalidMarket("market", '"programs" must be an array')
    ids: list[str] = []
    capacities: list[int] = []
    seen: set[str] = set()
    for n, program in enumerate(programs):
        if not isinstance(program, dict):
            raise InvalidMarket(f"program #{n + 1}", "must be an object")
        where = f"program {_show(program.get('id', f'#{n + 1}'))}"
        _only_keys(program, PROGRAM_KEYS, where)
        program_id = _id(program.get("id"), where, "id")
        where = f"program {program_id}"
        if program_id in seen:
            raise InvalidMarket(where, "two programs have this id")
        seen.add(program_id)
        cap = program.get("capacity")
        if type(cap) is not int:
            raise InvalidMarket(where, f'"capacity" must be a whole number, not {_show(cap)}')
        if cap < 0:
            raise InvalidMarket(where, f'"capacity" must be 0 or more, not {cap}')
        ids.append(program_id)
        capacities.append(cap)
    return ids, np.array(capacities, dtype=np.int64)


def _students(
    students: Any,
    index: dict[str, int],
    capacity: IntArray,
    mechanism: str,
    seed: bytes,
    sha256: str,
    program_ids: list[str],
) -> Market:
    if not isinstance(students, list):
        raise InvalidMarket("market", '"students" must be an array')
    ids: list[str] = []
    groups: list[str | None] = [None] * len(students)
    priorities: list[dict[str, int]] = [_NO_PRIORITIES] * len(students)
    lengths: list[int] = []
    pair_program: list[int] = []
    prioritised: list[tuple[int, int]] = []  # (pair, priority) where it is not 0
    guaranteed_pairs: list[int] = []
    seen: set[str] = set()
    fullmatch = ID_PATTERN.fullmatch
    lookup = index.__getitem__
    # one pass, in the order the spec lists the rules; the message names the student at fault
    for n, student in enumerate(students):
        if type(student) is not dict:
            raise InvalidMarket(f"student #{n + 1}", "must be an object")
        student_id = student.get("id")
        if not (type(student_id) is str and fullmatch(student_id)):
            raise InvalidMarket(f"student #{n + 1}", f'"id" {_id_rule(student_id)}')
        if not student.keys() <= STUDENT_KEYS:
            _only_keys(student, STUDENT_KEYS, f"student {student_id}")
        if student_id in seen:
            raise InvalidMarket(f"student {student_id}", "two students have this id")
        seen.add(student_id)

        preferences = student.get("preferences")
        if type(preferences) is not list:
            raise InvalidMarket(f"student {student_id}", '"preferences" must be an array of program ids')
        try:
            programs = list(map(lookup, preferences))
        except (KeyError, TypeError):  # TypeError: a list or object where an id belongs
            unknown = next(p for p in preferences if not isinstance(p, str) or p not in index)
            raise InvalidMarket(
                f"student {student_id}", f"preference {_show(unknown)} names a program that does not exist"
            ) from None
        if len(set(programs)) != len(programs):
            twice = next(p for p in preferences if preferences.count(p) > 1)
            raise InvalidMarket(f"student {student_id}", f"program {twice} appears twice in the preferences")

        cut = len(programs)
        if len(student) > 2:  # priorities, a group or a guaranteed seat: the exception, not the rule
            cut = _student_extras(student, student_id, n, preferences, programs, index, mechanism, groups, priorities)
            if cut < len(programs):
                programs = programs[:cut]
            if "guaranteed" in student:
                guaranteed_pairs.append(len(pair_program) + cut - 1)
            first = len(pair_program)
            prioritised.extend(
                (first + k, value)
                for k, p in enumerate(programs)
                if (value := priorities[n].get(program_ids[p], 0)) != 0
            )
        ids.append(student_id)
        lengths.append(cut)
        pair_program.extend(programs)

    pairs = np.array(pair_program, dtype=np.int64)
    guaranteed_mask = np.zeros(len(pairs), dtype=np.bool_)
    guaranteed_mask[guaranteed_pairs] = True
    over = np.bincount(pairs[guaranteed_mask], minlength=len(program_ids)) > capacity
    if over.any():
        p = int(np.flatnonzero(over)[0])
        raise InvalidMarket(
            f"program {program_ids[p]}", f"more students are guaranteed a seat than its capacity ({capacity[p]})"
        )
    counts = np.array(lengths, dtype=np.int64)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Market(
        sha256=sha256,
        mechanism=mechanism,
        seed=seed,
        program_ids=program_ids,
        capacity=capacity,
        student_ids=ids,
        groups=groups,
        offsets=offsets,
        pair_student=np.repeat(np.arange(len(ids), dtype=np.int64), counts),
        pair_program=pairs,
        pair_rank=np.arange(len(pairs), dtype=np.int64) - np.repeat(offsets[:-1], counts) + 1,
        pair_priority=_order_preserving(prioritised, len(pairs)),
        pair_guaranteed=guaranteed_mask,
        priorities=priorities,
    )


def _student_extras(
    student: dict[str, Any],
    student_id: str,
    n: int,
    preferences: list[str],
    programs: list[int],
    index: dict[str, int],
    mechanism: str,
    groups: list[str | None],
    priorities: list[dict[str, int]],
) -> int:
    """Check a student's priorities, group and guaranteed seat; record them; return how much of the list counts."""
    where = f"student {student_id}"
    priority = student.get("priorities", _NO_PRIORITIES)
    if type(priority) is not dict:
        raise InvalidMarket(where, '"priorities" must be an object of program id to whole number')
    for program_id, value in priority.items():
        if program_id not in index:
            raise InvalidMarket(where, f"priority for {_show(program_id)}, a program that does not exist")
        if type(value) is not int:
            raise InvalidMarket(where, f"priority for {program_id} must be a whole number, not {_show(value)}")
    priorities[n] = priority
    if "group" in student:
        groups[n] = _id(student["group"], where, "group")
    if "guaranteed" not in student:
        return len(programs)
    guaranteed = student["guaranteed"]
    if mechanism == "first-choice-da-stb":
        raise InvalidMarket(where, '"guaranteed" is not allowed under first-choice-da-stb')
    if not isinstance(guaranteed, str) or guaranteed not in preferences:
        raise InvalidMarket(where, f"guaranteed program {_show(guaranteed)} is not in the preferences")
    return preferences.index(guaranteed) + 1


def _order_preserving(prioritised: list[tuple[int, int]], n_pairs: int) -> IntArray:
    """Every pair's priority (0 unless given); priorities too large for int64 are replaced by their
    rank among the distinct values, 0 staying 0, which keeps the order and so the outcome."""
    priority = np.zeros(n_pairs, dtype=np.int64)
    if not prioritised:
        return priority
    where, values = zip(*prioritised, strict=True)
    if all(-_INT64 < v < _INT64 for v in values):
        priority[list(where)] = values
        return priority
    distinct = sorted({0, *values})
    zero = distinct.index(0)
    rank = {v: i - zero for i, v in enumerate(distinct)}
    priority[list(where)] = [rank[v] for v in values]
    return priority


def _only_keys(obj: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise InvalidMarket(where, f"unknown key {_show(unknown[0])} (allowed: {', '.join(sorted(allowed))})")


def _id(value: Any, where: str, key: str) -> str:
    if isinstance(value, str) and ID_PATTERN.fullmatch(value):
        return value
    raise InvalidMarket(where, f'"{key}" {_id_rule(value)}')


def _id_rule(value: Any) -> str:
    return f"{_show(value)} must match {ID_PATTERN.pattern} (letters, digits, . _ : -; at most 64)"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."
