"""School advice levels, free of any framework.

An advice is one level or a pair of adjacent levels (`vmbo_k/vmbo_gt`). Advices are ordered by their
highest level, then by their lowest: `havo` is higher than `vmbo_gt/havo`, which is higher than
`vmbo_gt`. When the doorstroomtoets result is higher than the advice, the school raises the advice or
records why it does not (`check_final_advice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from loket.contracts.errors import Invalid


class Level(StrEnum):
    PRO = "pro"  # praktijkonderwijs
    VMBO_B = "vmbo_b"
    VMBO_K = "vmbo_k"
    VMBO_GT = "vmbo_gt"  # vmbo-gl/tl
    HAVO = "havo"
    VWO = "vwo"


ORDER = tuple(Level)


@dataclass(frozen=True)
class Advice:
    low: Level
    high: Level

    @classmethod
    def parse(cls, code: str, field: str = "level") -> Advice:
        parts = code.strip().lower().split("/")
        try:
            levels = [Level(part.strip()) for part in parts]
        except ValueError:
            raise Invalid(
                field, f"{code!r} is not an advice: one of {', '.join(ORDER)}, or two adjacent ones"
            ) from None
        if len(levels) == 1:
            return cls(levels[0], levels[0])
        if len(levels) == 2 and ORDER.index(levels[1]) - ORDER.index(levels[0]) == 1:
            return cls(levels[0], levels[1])
        raise Invalid(field, f"{code!r} is not an advice: a combined advice is two adjacent levels, low/high")

    @property
    def code(self) -> str:
        return self.low.value if self.low is self.high else f"{self.low.value}/{self.high.value}"

    @property
    def rank(self) -> tuple[int, int]:
        return ORDER.index(self.high), ORDER.index(self.low)

    def is_higher_than(self, other: Advice) -> bool:
        return self.rank > other.rank


def check_final_advice(final: Advice, doorstroomtoets: Advice | None, not_raised_because: str | None) -> None:
    """A final advice below the doorstroomtoets result needs the school's reasons for not raising it."""
    if doorstroomtoets is not None and doorstroomtoets.is_higher_than(final) and not (not_raised_because or "").strip():
        raise Invalid(
            "not_raised_because",
            f"the doorstroomtoets result ({doorstroomtoets.code}) is higher than this advice ({final.code}): "
            "raise the advice, or give the reasons for keeping it",
        )


def revision_needed(final: Advice | None, doorstroomtoets: Advice | None, not_raised_because: str | None) -> bool:
    """Whether a recorded final advice is below the doorstroomtoets result without reasons."""
    if final is None:
        return False
    try:
        check_final_advice(final, doorstroomtoets, not_raised_because)
    except Invalid:
        return True
    return False
