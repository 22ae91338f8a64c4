"""The registration rush: N parents at once each going through the whole registration over aanmelding's API,
one pupil after another, on PostgreSQL with all five services running as processes; for each N, markdown:
registrations/s, p50/p95/p99 per request, errors, and the lag from submitting to the confirmation mail
arriving at the SMTP server (p50/p95; first third of the run against the last: does it grow?).

    uv run python benchmarks/rush.py                              # 10, 25 and 50 parents, 20 s each
    uv run python benchmarks/rush.py --parents 50 --seconds 120   # one longer run
    uv run python benchmarks/rush.py --parents 25 --rate 1        # each parent a registration a second

A registration is six requests, as the portal makes them (tests/browser/region_support.py `Region.register`):
POST registration, PUT pupil-check, PUT contact-check, PUT preferences, PUT signature, POST submission. A
parent starts the next pupil as soon as one is submitted: a closed loop, so the figures are the most the
machine does with N parents pushing (`--rate` spaces each parent's registrations instead). The pupils and
their parents' accounts are made before anything is timed (benchmarks/rush_region.py: a few minutes per
thousand); the confirmations of one N are all awaited before the next N begins. Figures are printed,
never asserted; the load generator runs on the same machine and takes its share of the cores.

Targets (issue 19, a 2-core machine): ≥ 50 registrations/s sustained with p99 < 200 ms and no errors, the
confirmation mail within 5 s (p95), and a lag that does not grow with the rush's length.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import machine as engine_machine  # the lottery benchmark's machine lines
from rush_region import SCHOOL, RushRegion, Seeded

TARGET_RATE, TARGET_P99_MS, TARGET_MAIL_P95_S = 50.0, 200.0, 5.0
KINDS = (
    "POST registration",
    "PUT pupil-check",
    "PUT contact-check",
    "PUT preferences",
    "PUT signature",
    "POST submission",
)


@dataclass
class RushFigures:
    """What one rush measured: request times by kind (ms), errors by kind and answer, and each submitted
    registration's parent address with the moment (unix time) the submission was answered."""

    parents: int
    seconds: float = 0.0
    times_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    submitted: list[tuple[float, str, str]] = field(default_factory=list)  # (answered at, address, registration id)
    ran_out: bool = False
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # each service's, during the rush

    @property
    def rate(self) -> float:
        return len(self.submitted) / self.seconds if self.seconds else 0.0


class RegistrationRush:
    """Parents registering their children through aanmelding's API, each as fast as the answers come (or
    `rate` registrations a second per parent). The rush's driver: benchmarks and the chaos test use it."""

    def __init__(
        self, aanmelding_url: str, programs: list[str], headers_for: Callable[[Seeded], dict[str, str]]
    ) -> None:
        self.url, self.programs, self.headers_for = aanmelding_url, programs, headers_for

    async def register(
        self, client: httpx.AsyncClient, pupil: Seeded, headers: dict[str, str], figures: RushFigures
    ) -> bool:
        base = f"/pupils/{pupil.pupil_id}/registration"
        steps: list[tuple[str, str, str, object]] = [
            ("POST registration", "POST", base, None),
            ("PUT pupil-check", "PUT", f"{base}/pupil-check", {"correct": True}),
            ("PUT contact-check", "PUT", f"{base}/contact-check", {"correct": True}),
            ("PUT preferences", "PUT", f"{base}/preferences", {"programs": self.programs}),
            ("PUT signature", "PUT", f"{base}/signature", {"signed_by": "Ouder"}),
            ("POST submission", "POST", f"{base}/submission", None),
        ]
        for kind, method, path, body in steps:
            began = time.perf_counter()
            try:
                answer = await client.request(method, path, headers=headers, json=body)
            except httpx.HTTPError as error:
                figures.errors[f"{kind}: {type(error).__name__}"] += 1
                return False
            figures.times_ms[kind].append((time.perf_counter() - began) * 1000)
            if answer.status_code >= 300:
                figures.errors[f"{kind}: {answer.status_code}"] += 1
                return False
        figures.submitted.append((time.time(), pupil.address, str(answer.json()["id"])))
        return True

    async def run(
        self, parents: int, seconds: float, pupils: deque[Seeded], *, rate: float | None = None
    ) -> RushFigures:
        """`parents` at once for `seconds` (or until `pupils` run out), taking pupils from the left."""
        figures = RushFigures(parents)
        planned = [pupils[i] for i in range(min(len(pupils), parents * int(seconds * 200)))]
        headers = {pupil.pupil_id: self.headers_for(pupil) for pupil in planned}  # signed before the clock runs
        began = time.perf_counter()
        until = began + seconds

        async def parent() -> None:
            async with httpx.AsyncClient(base_url=self.url, timeout=30, trust_env=False) as client:
                while time.perf_counter() < until:
                    if not pupils:
                        figures.ran_out = True
                        return
                    pupil = pupils.popleft()
                    started = time.perf_counter()
                    await self.register(client, pupil, headers.get(pupil.pupil_id) or self.headers_for(pupil), figures)
                    if rate:
                        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))

        await asyncio.gather(*(parent() for _ in range(parents)))
        figures.seconds = time.perf_counter() - began
        return figures


async def relay_burst(region: RushRegion, events: int, after: float) -> str:
    """`events` journal-only events committed at once into aanmelding's outbox `after` seconds into a rush,
    and how fast its relay published them beside the rush's requests (issue 19: ≥ 500 events/s)."""
    from loket.contracts.envelope import new_envelope
    from loket.contracts.events import RegistrationProgressed

    await asyncio.sleep(after)
    now = datetime.now(UTC)
    rows = []
    for _ in range(events):
        payload = RegistrationProgressed(
            pupil_id=uuid.uuid4(),
            registration_id=uuid.uuid4(),
            primary_school_brin=SCHOOL,
            round="ronde-1",
            step="started",
            by_primary_school=False,
            at=now,
        )
        envelope = new_envelope(payload, region=region.region)
        body = json.dumps(envelope.model_dump(mode="json"))
        rows.append((envelope.event_id, envelope.routing_key, envelope.correlation_id, body, now, 0, now))
    ids = [row[0] for row in rows]
    url = region.services["aanmelding"].database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(url)
    try:
        await connection.executemany(
            "INSERT INTO outbox (event_id, routing_key, correlation_id, body, created_at, attempts, next_attempt_at)"
            " VALUES ($1, $2, $3, $4::json, $5, $6, $7)",
            rows,
        )
        committed = datetime.now(UTC)
        unsent = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND event_id = ANY($1::uuid[])"
        while True:  # the relay is in another process: nothing here to wait on but the rows
            if not await connection.fetchval(unsent, ids):
                break
            await asyncio.sleep(0.2)
        last = await connection.fetchval("SELECT max(sent_at) FROM outbox WHERE event_id = ANY($1::uuid[])", ids)
    finally:
        await connection.close()
    seconds = (last - committed).total_seconds()
    return (
        f"aanmelding's relay during the rush: {events} events committed at once, the last published after "
        f"{seconds:.2f} s: **{events / seconds:.0f} events/s** beside the requests"
    )


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class MailLag:
    lags: list[float]  # seconds, in the order the registrations were submitted
    missing: int
    doubled: int


def mail_lag(figures: RushFigures, mails: list[tuple[float, str, str]]) -> MailLag:
    """Each submission's first mail to its parent after it (the activation mail came long before)."""
    by_address: dict[str, list[float]] = defaultdict(list)
    for arrived, to, _ in mails:
        by_address[to].append(arrived)
    lags, missing, doubled = [], 0, 0
    for answered, address, _ in sorted(figures.submitted):
        after = sorted(t for t in by_address.get(address, []) if t >= answered - 1.0)
        if not after:
            missing += 1
            continue
        lags.append(max(0.0, after[0] - answered))
        doubled += len(after) - 1
    return MailLag(lags, missing, doubled)


async def confirmations(region: RushRegion, figures: RushFigures, within: float) -> MailLag:
    """Wait (at most `within` s) until every submission's confirmation has arrived."""
    deadline = time.monotonic() + within
    while True:
        assert region.mail is not None
        lag = mail_lag(figures, region.mail.mails())
        if not lag.missing or time.monotonic() > deadline:
            return lag
        await asyncio.sleep(0.5)


def report(figures: RushFigures, lag: MailLag) -> list[str]:
    lines = [
        f"## {figures.parents} parents at once\n",
        f"{len(figures.submitted)} registrations in {figures.seconds:.1f} s: **{figures.rate:.1f} registrations/s** "
        f"({sum(len(v) for v in figures.times_ms.values()) / figures.seconds:.0f} requests/s)"
        + (" — the pupils ran out before the time was up" if figures.ran_out else "")
        + "\n",
        "| request | answers | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    every: list[float] = []
    for kind in KINDS:
        values = figures.times_ms.get(kind, [])
        every += values
        lines.append(
            f"| {kind} | {len(values)} | {statistics.median(values) if values else float('nan'):.1f} | "
            f"{percentile(values, 0.95):.1f} | {percentile(values, 0.99):.1f} |"
        )
    lines.append(
        f"| every request | {len(every)} | {statistics.median(every) if every else float('nan'):.1f} | "
        f"{percentile(every, 0.95):.1f} | {percentile(every, 0.99):.1f} |\n"
    )
    errors = sum(figures.errors.values())
    named = ", ".join(f"{kind}: {n}" for kind, n in figures.errors.most_common())
    lines.append(f"Errors: {errors}" + (f" ({named})" if errors else ""))
    third = max(1, len(lag.lags) // 3)
    first, last = lag.lags[:third], lag.lags[-third:]
    lines.append(
        f"Confirmation mail after submitting: p50 {percentile(lag.lags, 0.5):.2f} s, "
        f"p95 {percentile(lag.lags, 0.95):.2f} s; "
        f"first third p50 {percentile(first, 0.5):.2f} s / p95 {percentile(first, 0.95):.2f} s, last third "
        f"p50 {percentile(last, 0.5):.2f} s / p95 {percentile(last, 0.95):.2f} s; "
        f"{lag.missing} missing, {lag.doubled} doubled"
    )
    if figures.cpu_seconds and figures.submitted:
        shares = ", ".join(
            f"{name} {1000 * used / len(figures.submitted):.1f}" for name, used in figures.cpu_seconds.items()
        )
        lines.append(f"CPU per registration during the rush (ms): {shares}")
    p99 = percentile(every, 0.99)
    mail_p95 = percentile(lag.lags, 0.95)
    grows = percentile(last, 0.95) > 2 * percentile(first, 0.95) + 1.0
    met = (
        figures.rate >= TARGET_RATE and p99 < TARGET_P99_MS and not errors and mail_p95 <= TARGET_MAIL_P95_S
        and not grows and not lag.missing
    )  # fmt: skip
    lines.append(
        f"Targets (≥ {TARGET_RATE:.0f}/s, p99 < {TARGET_P99_MS:.0f} ms, 0 errors, "
        f"mail p95 ≤ {TARGET_MAIL_P95_S:.0f} s, lag not growing): {'met' if met else 'MISSED'}"
        + (" — the lag grows over the run" if grows else "")
        + "\n"
    )
    return lines


def machine() -> list[str]:
    return [line.replace("engine at git", "Loket at git") for line in engine_machine() if "numpy" not in line]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", default="10,25,50", help="comma-separated: one rush per number")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each rush lasts")
    parser.add_argument("--pupils", type=int, default=0, help="pupils to seed (default: 50/s for every rush)")
    parser.add_argument("--rate", type=float, default=None, help="registrations/s per parent (default: flat out)")
    parser.add_argument("--region", default="amsterdam")
    parser.add_argument("--poll", type=float, default=1.0, help="the outbox relay's poll interval (s)")
    parser.add_argument(
        "--relay-burst",
        type=int,
        default=0,
        help="commit this many journal-only events into aanmelding's "
        "outbox a third into each rush and print how fast its relay publishes them",
    )
    parser.add_argument("--mail-wait", type=float, default=180.0, help="how long to wait for the confirmations")
    args = parser.parse_args()
    counts = [int(n) for n in args.parents.split(",")]
    pupils_needed = args.pupils or int(50 * args.seconds * len(counts))
    folder = Path(tempfile.mkdtemp(prefix="loket-rush-"))
    lines = [f"- relay poll {args.poll} s; the services' logs in {folder}\n"]
    async with RushRegion(folder, args.region, poll=args.poll) as region:
        pids = ", ".join(f"{name} {service.process.pid}" for name, service in region.services.items())
        print(f"Processes: {pids}", file=sys.stderr)
        print(f"Seeding {pupils_needed} pupils and their parents' accounts …", file=sys.stderr)
        pupils = deque(await region.seed(pupils_needed))
        rush = RegistrationRush(region.url["aanmelding"], region.programs, region.parent_headers)
        for count in counts:
            print(f"{count} parents at once for {args.seconds:.0f} s …", file=sys.stderr)
            waited = await region.settle()
            print(f"  the services settled in {waited:.0f} s", file=sys.stderr)
            before = region.cpu_seconds()
            if args.relay_burst:
                figures, burst = await asyncio.gather(
                    rush.run(count, args.seconds, pupils, rate=args.rate),
                    relay_burst(region, args.relay_burst, args.seconds / 3),
                )
            else:
                figures = await rush.run(count, args.seconds, pupils, rate=args.rate)
            after = region.cpu_seconds()
            figures.cpu_seconds = {name: after[name] - before.get(name, 0.0) for name in after}
            lag = await confirmations(region, figures, args.mail_wait)
            lines += report(figures, lag) + ([burst, ""] if args.relay_burst else [])
            print("\n".join(report(figures, lag)), file=sys.stderr)
    print("\n".join(["# The registration rush\n", *machine(), *lines]))  # the load average at the end too


if __name__ == "__main__":
    asyncio.run(main())
