"""Events loting publishes: every step of a lottery ceremony, in the order the ceremony allows.

requested → committed → seeded → completed, or → failed → retried → completed. None of them carries
student data: only counts, hashes and where the files can be downloaded from loting. The one exception
is `result_issued`, which hands a completed run's files to the service whose lottery it is (aanmelding),
and is kept out of the journal.
"""

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from loket.contracts.events.base import EventPayload, event

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="Lowercase hex SHA-256.")]


class SeedSource(BaseModel):
    """Where part of the seed comes from, declared before the market is committed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["notary", "beacon"] = Field(
        description="`notary`: a value the notary brings to the ceremony; `beacon`: a public randomness beacon."
    )
    name: str | None = Field(default=None, description="The beacon, e.g. `drand quicknet`; none for the notary.")
    round: int | None = Field(default=None, description="The beacon round whose value counts; none for the notary.")


class EnteredSeedSource(SeedSource):
    value: str = Field(description="The value as entered; part of the seed record.")


class RunDeclared(EventPayload):
    run_id: UUID
    label: str = Field(description="What the run is, in the words of whoever requested it.")
    mechanism: str = Field(description="`da-stb`, `da-mtb` or `first-choice-da-stb` (loting-market/1).")
    students: int = Field(ge=0)
    programs: int = Field(ge=0)
    seed_sources: tuple[SeedSource, ...] = Field(description="The sources of the seed, in the order they count.")


@event("loting.run.requested", 1)
class RunRequested(RunDeclared):
    """A lottery run was requested with a market that has no seed yet."""


@event("loting.run.committed", 1)
class RunCommitted(RunDeclared):
    """The market of a run is fixed: its SHA-256 is published before any seed can exist.

    The commitment is the market without its seed, in canonical JSON (loting-market/1).
    """

    commitment_sha256: Sha256
    commitment_path: str = Field(description="Where loting serves the commitment's exact bytes.")


@event("loting.run.seeded", 1)
class RunSeeded(EventPayload):
    """The seed of a run was entered from its declared sources; the run will now be executed.

    The seed is the SHA-256 of the seed record: canonical JSON of the format, the commitment's
    SHA-256 and the sources with their values in declared order.
    """

    run_id: UUID
    commitment_sha256: Sha256
    seed: Sha256
    sources: tuple[EnteredSeedSource, ...]
    entered_at: AwareDatetime


@event("loting.run.retried", 1)
class RunRetried(EventPayload):
    """A failed run is to be executed again, with the same market and seed."""

    run_id: UUID
    attempt: int = Field(ge=2, description="The attempt about to start; the first execution is attempt 1.")
    previous_failure: str


class RunStatistics(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    students: int = Field(ge=0)
    placed: int = Field(ge=0)
    unplaced: int = Field(ge=0)
    placed_per_rank: dict[int, int] = Field(
        description="How many students were placed at their 1st, 2nd, … preference (rank → count)."
    )
    programs_full: int = Field(ge=0, description="Programs with no seat left.")


@event("loting.run.completed", 1)
class RunCompleted(EventPayload):
    """A run was executed: its result file is stored and can be checked by anyone."""

    run_id: UUID
    attempt: int = Field(ge=1)
    market_sha256: Sha256
    market_path: str = Field(description="Where loting serves the market file (with its seed).")
    result_sha256: Sha256
    result_path: str = Field(description="Where loting serves the result file (loting-result/1).")
    statistics: RunStatistics


@event("loting.run.result_issued", 1, journaled=False)
class ResultIssued(EventPayload):
    """A completed run's files, with `completed`: aanmelding applies the result to its lottery whose market
    the run committed to (`commitment_sha256`), with no file passing through anybody's hands. The files
    name students only by the pseudonymous ids of the market; they are the same bytes loting serves."""

    run_id: UUID
    label: str
    commitment_sha256: Sha256
    market: str = Field(description="The final market (with its seed), exactly as stored and served.")
    market_sha256: Sha256
    result: str = Field(description="The result file (loting-result/1), exactly as stored and served.")
    result_sha256: Sha256


@event("loting.run.refused", 1)
class RunRefused(EventPayload):
    """loting could not open the run aanmelding asked for (`aanmelding.lottery.ceremony_requested.v1`):
    the seed sources or the market were not what a run takes. No run exists; the region may ask again."""

    run_id: UUID = Field(description="The id the run would have had: the lottery's.")
    reason: str


@event("loting.run.failed", 1)
class RunFailed(EventPayload):
    """The engine could not execute a run; it can be retried."""

    run_id: UUID
    attempt: int = Field(ge=1)
    reason: str
