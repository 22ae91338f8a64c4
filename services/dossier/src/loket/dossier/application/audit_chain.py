"""Checking the audit trail's chain (`loket-dossier verify-audit`): every entry, in the order appended,
must carry the hash of the one before it and a hash that matches its own fields (`domain/audit.py`).
An operator runs it; it names the first entry that does not fit."""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from loket.contracts.runtime.unit_of_work import Work
from loket.dossier.domain.audit import Break, ChainCheck
from loket.dossier.persistence.audit import chain_in_order


@dataclass(frozen=True)
class ChainReport:
    """`intact` entries fit the chain, ending in `head`; `broken` is the first that does not, if any."""

    intact: int
    head: str
    broken: Break | None


class AuditChain:
    def __init__(self, work: Work[Any]) -> None:
        self.work = work

    async def verify(self) -> ChainReport:
        check = ChainCheck()
        async with self.work() as uow, aclosing(chain_in_order(uow.session)) as links:
            async for link in links:
                if check.add(link) is not None:
                    break
        return ChainReport(check.checked, check.head, check.broken)
