"""The region's procedure: the one this instance serves, a file an operator checks before deploying it,
and where the region is in its timeline now."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loket.aanmelding.adapters.procedure_file import ProcedureInvalid, load, shipped
from loket.aanmelding.domain.procedure import Procedure, Round
from loket.contracts.runtime.unit_of_work import Work


def region_procedure(region: str, procedure_file: Path | None) -> Procedure:
    """The configured procedure (a file, or the one Loket ships for the region), checked: a file for
    another region is refused too (ProcedureInvalid)."""
    procedure = shipped(region) if procedure_file is None else load(procedure_file)
    if procedure.region != region:
        source = str(procedure_file or f"regions/{region}.toml")
        raise ProcedureInvalid(source, [f"region: {procedure.region!r}, but this instance serves {region!r}"])
    return procedure


@dataclass(frozen=True)
class ProcedureSummary:
    name: str
    schools: int
    programs: int
    rounds: int


def check_procedure_file(path: Path) -> ProcedureSummary:
    """What an operator's procedure file holds, once it is valid (ProcedureInvalid: what is wrong, where)."""
    procedure = load(path)
    return ProcedureSummary(
        procedure.name,
        len(procedure.schools),
        sum(len(school.programs) for school in procedure.schools),
        len(procedure.rounds),
    )


class Timeline:
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    def current_round(self) -> Round | None:
        """The round whose registration or forwarding is open now."""
        return self.procedure.round_at(self.work.clock())
