"""The messages of a simulation over RabbitMQ, and the coordinator's bookkeeping; no I/O.

A *chunk* message asks for draws `first:last` of one market: its body is the market file's exact bytes,
zlib-compressed, and its headers say which simulation and chunk it is and the market's SHA-256, which
the worker checks before it trusts the body. A *tally* message answers one chunk with its exact counts
(`engine.simulation.tally_bytes`); a *failed* message says a chunk can never be done (a poison chunk).
"""

import hashlib
import zlib
from dataclasses import dataclass
from typing import Any

from loket.loting.domain.engine.simulation import Tally, merge, read_tally

CHUNK_TYPE = "loting.simulation.chunk.v1"
TALLY_TYPE = "loting.simulation.tally.v1"
FAILED_TYPE = "loting.simulation.failed.v1"
MARKET_CONTENT_TYPE = "application/json"
MARKET_ENCODING = "zlib"
MAX_MARKET_BYTES = 2**31  # a country's market is ~100 MB; anything far beyond is a zip bomb


class BadChunk(ValueError):
    """A chunk message that no worker can ever do: it goes to the dead-letter queue, not back."""


@dataclass(frozen=True)
class Chunk:
    simulation: str
    index: int
    first: int
    last: int
    market_sha256: str
    results: str  # the queue the tally goes to (AMQP reply-to)

    @property
    def message_id(self) -> str:
        return f"{self.simulation}/{self.index}"

    @property
    def headers(self) -> dict[str, Any]:
        return {
            "simulation": self.simulation,
            "chunk": self.index,
            "first": self.first,
            "last": self.last,
            "market-sha256": self.market_sha256,
        }

    @classmethod
    def from_headers(cls, headers: dict[str, Any], reply_to: str | None) -> "Chunk":
        """The chunk a message's headers describe; BadChunk when they do not describe one."""
        try:
            chunk = cls(
                simulation=_text(headers["simulation"]),
                index=_whole(headers["chunk"]),
                first=_whole(headers["first"]),
                last=_whole(headers["last"]),
                market_sha256=_text(headers["market-sha256"]),
                results=_text(reply_to),
            )
        except (KeyError, TypeError) as exc:
            raise BadChunk(f"not a chunk message ({exc!r} missing or of the wrong type)") from None
        if not 0 <= chunk.first < chunk.last or chunk.index < 0:
            raise BadChunk(f"chunk {chunk.index} has no draws ({chunk.first}:{chunk.last})")
        return chunk


def pack_market(data: bytes) -> bytes:
    return zlib.compress(data, 6)


def unpack_market(body: bytes, sha256: str) -> bytes:
    """The market file in a chunk's body, checked against the SHA-256 its headers name."""
    inflate = zlib.decompressobj()
    try:
        data = inflate.decompress(body, MAX_MARKET_BYTES)
    except zlib.error as exc:
        raise BadChunk(f"the market is not zlib-compressed ({exc})") from None
    if inflate.unconsumed_tail:
        raise BadChunk(f"the market is larger than {MAX_MARKET_BYTES} bytes")
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise BadChunk(f"the market's SHA-256 is {found}, not {sha256} as the chunk says")
    return data


def _text(value: object) -> str:
    if isinstance(value, bytes):  # AMQP long strings may arrive as bytes
        value = value.decode()
    if not isinstance(value, str) or not value:
        raise TypeError(value)
    return value


def _whole(value: object) -> int:
    if type(value) is not int:
        raise TypeError(value)
    return value


def _death(headers: dict[str, Any]) -> str:
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        reason = deaths[0].get("reason")
        if reason == "delivery_limit":
            return "every worker that took it failed or died, up to the delivery limit"
        if reason == "rejected":
            return "a worker rejected it"
        return str(reason)
    return "no reason given"


class SimulationFailed(Exception):
    """A worker reported a chunk of this simulation that can never be done."""


class Collector:
    """The coordinator's side: exactly one tally per chunk, whatever the order and however often a
    chunk was delivered (a redelivered chunk's second tally is ignored)."""

    def __init__(self, simulation: str, market_sha256: str, ranges: list[tuple[int, int]]) -> None:
        self.simulation = simulation
        self.market_sha256 = market_sha256
        self.ranges = ranges
        self.received: set[int] = set()
        self._merged: Tally | None = None

    @property
    def done(self) -> bool:
        return len(self.received) == len(self.ranges)

    def add(self, headers: dict[str, Any], message_type: str | None, body: bytes) -> int:
        """Take one results message; returns the draws it added (0 for a duplicate or a stranger).

        Raises SimulationFailed for a failed chunk of this simulation.
        """
        try:
            simulation, index = _text(headers.get("simulation")), _whole(headers.get("chunk"))
        except TypeError:
            return 0
        if simulation != self.simulation or not 0 <= index < len(self.ranges) or index in self.received:
            return 0
        first, last = self.ranges[index]
        if message_type == FAILED_TYPE:
            reason = body.decode("utf-8", "replace")
            raise SimulationFailed(f"chunk {index} (draws {first}:{last}) failed on a worker: {reason}")
        if message_type == CHUNK_TYPE:  # the chunk itself, dead-lettered
            raise SimulationFailed(
                f"chunk {index} (draws {first}:{last}) went to the dead-letter queue ({_death(headers)})"
            )
        if message_type != TALLY_TYPE:
            return 0
        try:
            tally = read_tally(body)
            if tally.market_sha256 != self.market_sha256 or tally.ranges != ((first, last),):
                raise ValueError(f"it counts draws {list(tally.ranges)} of market {tally.market_sha256[:12]}…")
            self._merged = tally if self._merged is None else merge([self._merged, tally])
        except ValueError as exc:
            raise SimulationFailed(f"chunk {index} (draws {first}:{last}): a worker's tally is wrong: {exc}") from None
        self.received.add(index)
        return last - first

    def tally(self) -> Tally:
        if not self.done or self._merged is None:
            missing = sorted(set(range(len(self.ranges))) - self.received)
            raise RuntimeError(f"chunks {missing[:5]}… are missing")
        return self._merged
