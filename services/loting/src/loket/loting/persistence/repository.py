"""Every query of loting: its runs, the files of their ceremonies, their seeds and publications."""

import hashlib
from datetime import datetime
from uuid import UUID

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.errors import NotFound
from loket.loting.domain.ceremony import RunState
from loket.loting.persistence.models import Artifact, ArtifactKind, Run, RunPublication, RunSeed


class Runs:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, run_id: UUID, *, for_update: bool = False) -> Run | None:
        """The run; `for_update` locks its row on PostgreSQL, so two requests take turns on one run
        (SQLite takes turns anyway: every transaction there begins IMMEDIATE)."""
        query = select(Run).where(Run.id == run_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def count_by_state(self) -> dict[RunState, int]:
        """How many runs are in each state (for /metrics)."""
        query = select(Run.state, func.count()).group_by(col(Run.state))
        found = {RunState(state): count for state, count in (await self.session.exec(query)).all()}
        return {state: found.get(state, 0) for state in RunState}

    async def find(self, run_id: UUID, *, for_update: bool = False) -> Run:
        """The run, or `NotFound`."""
        run = await self.get(run_id, for_update=for_update)
        if run is None:
            raise NotFound(f"run {run_id} does not exist")
        return run

    def add(self, *objects: Run | RunSeed | RunPublication) -> None:
        self.session.add_all(objects)

    async def store(self, kind: ArtifactKind, content: bytes, at: datetime) -> str:
        """Keep a file under the SHA-256 of its bytes and return that. The same bytes stored twice
        (the same market in two runs) are one row; a stored file is never changed."""
        sha256 = hashlib.sha256(content).hexdigest()
        dialect = self.session.get_bind().dialect.name
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        await self.session.execute(
            insert(Artifact)
            .values(sha256=sha256, kind=kind, content=content, stored_at=at)
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        return sha256

    async def artifact(self, sha256: str) -> Artifact | None:
        return await self.session.get(Artifact, sha256)

    async def content(self, sha256: str) -> bytes:
        artifact = await self.artifact(sha256)
        if artifact is None:
            raise LookupError(f"artifact {sha256} is missing")
        return artifact.content

    async def seed(self, run_id: UUID) -> RunSeed | None:
        return await self.session.get(RunSeed, run_id)

    async def publications(self, run_id: UUID) -> list[RunPublication]:
        query = (
            select(RunPublication)
            .where(RunPublication.run_id == run_id)
            .order_by(col(RunPublication.occurred_at), col(RunPublication.seen_on_bus_at))
        )
        return list((await self.session.exec(query)).all())
