"""Throwaway infrastructure for tests: PostgreSQL databases, RabbitMQ vhosts, an SMTP server.

Every test that needs one gets its own, so runs never see each other's data. The servers are the
real ones on this machine (PostgreSQL 127.0.0.1:5432, RabbitMQ 127.0.0.1:5672); their addresses can be
changed with LOKET_TEST_POSTGRES and LOKET_TEST_AMQP.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import aio_pika
import asyncpg
import httpx
import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client.parser import text_string_to_metric_families

POSTGRES = os.environ.get("LOKET_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("LOKET_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
# LOKET_LINK_KEY of the services the tests start: identity seals the links in its mails with it, notificatie
# opens them (base64 of 32 bytes, fixed so that a test can seal or open a link as they do)
LINK_KEY = "bG9rZXQgdGVzdHM6IG5vdCBhIHNlY3JldCBhdCBhbGw="

T = TypeVar("T")
# uvicorn closes a connection after 5 s idle; a client that keeps one longer may send on it just as it
# closes and get a ReadError. Long tests' clients let idle connections go first.
IDLE_CLOSED_FIRST = httpx.Limits(keepalive_expiry=2.0)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def create_database(prefix: str = "loket_test", *, template: str | None = None) -> tuple[str, str]:
    """Create a database, empty or a copy of `template`; return its name and its SQLAlchemy (asyncpg) URL."""
    name = unique_name(prefix)
    admin = await asyncpg.connect(POSTGRES)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await admin.close()
    base = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return name, f"{base}/{name}"


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(POSTGRES)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


class MigratedTemplates:
    """Each service's newest schema, migrated once per test process and copied for every test that
    asks for it: PostgreSQL clones a template database (`CREATE DATABASE … TEMPLATE`, ~50 ms) and
    SQLite copies a file, where running the migrations again took up to 0.6 s a test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.postgres: dict[str, str] = {}
        self.sqlite: dict[str, Path] = {}

    async def postgresql(self, service: str) -> tuple[str, str]:
        """A new database at the service's newest schema: its name and URL."""
        from loket.contracts.runtime.migrations import upgrade

        if service not in self.postgres:
            name, url = await create_database(f"loket_template_{service}")
            await asyncio.to_thread(upgrade, f"loket.{service}", url)
            self.postgres[service] = name
        return await create_database(template=self.postgres[service])

    async def sqlite_file(self, service: str, path: Path) -> str:
        """A copy of the service's migrated SQLite file at `path`: its URL."""
        from loket.contracts.runtime.migrations import upgrade

        if service not in self.sqlite:
            template = self.folder / f"{service}.db"
            await asyncio.to_thread(upgrade, f"loket.{service}", f"sqlite+aiosqlite:///{template}")
            self.sqlite[service] = template
        shutil.copyfile(self.sqlite[service], path)
        return f"sqlite+aiosqlite:///{path}"

    async def drop(self) -> None:
        for name in self.postgres.values():
            await drop_database(name)


def rabbitmqctl(*args: str) -> str:
    if shutil.which("rabbitmqctl") is None:
        raise RuntimeError("rabbitmqctl is not installed: the broker tests need a local RabbitMQ")
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def create_vhost(delivery_limit: int | None = None) -> tuple[str, str]:
    """Create a vhost provisioned as production's is (tests/broker_support.py): Loket's topology, guest
    as its administrator, a broker user per service; return its name and guest's AMQP URL into it."""
    from broker_support import provisioned_vhost

    return provisioned_vhost() if delivery_limit is None else provisioned_vhost(delivery_limit)


def delete_vhost(name: str) -> None:
    rabbitmqctl("delete_vhost", name)


def restart_rabbitmq() -> None:
    """Stop and start the RabbitMQ application: every connection drops, queues survive."""
    rabbitmqctl("stop_app")
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")


async def read_journal(broker_url: str, count: int) -> list[dict[str, Any]]:
    """The first `count` events in the journal, read from its start as a service that came later would."""
    from loket.contracts.topology import JOURNAL

    connection = await aio_pika.connect(broker_url)
    bodies: list[dict[str, Any]] = []
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=count)  # a stream is read with a prefetch and acks
        queue = await channel.get_queue(JOURNAL.name, ensure=True)
        async with queue.iterator(arguments={"x-stream-offset": "first"}) as messages:
            async for message in messages:
                await message.ack()
                bodies.append(json.loads(message.body))
                if len(bodies) == count:
                    break
    return bodies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def activation_issued(n: int = 0) -> Any:
    """An event with a secret in it, as identity raises it (the link sealed with LINK_KEY): the backbone's
    tests and benchmarks send it."""
    from loket.contracts.events import ActivationIssued
    from loket.contracts.runtime.link_sealing import LinkSealer

    account = uuid.uuid4()
    link = f"https://loket.example/activate/token{n}"
    return ActivationIssued(
        account_id=account,
        pupil_id=uuid.uuid4(),
        username=f"{10001 + n}",
        recipient=f"ouder{n}@example.org",
        sealed_activation_url=LinkSealer(LINK_KEY, Path("unused")).seal(link, ActivationIssued.event_type, account),
        expires_at=datetime.now(UTC) + timedelta(days=14),
    )


async def eventually(check: Callable[[], Awaitable[T | None]], *, within: float = 20.0, what: str = "condition") -> T:
    """Poll until `check` returns something truthy; fail with `what` after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass
class Inbox:
    """What an in-process SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_with: str | None = None  # e.g. "550 5.1.1 mailbox unknown"
    refuse_next: list[str] = field(default_factory=list)  # answers for the next recipients, one each, first
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    recipients_offered: int = 0  # RCPT commands seen, refused or not

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        self.recipients_offered += 1
        if self.refuse_next:
            return self.refuse_next.pop(0)
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """aiosmtpd on a free port (port=0 fails the controller's own readiness check)."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


LINK = re.compile(r"https?://\S+/activate/[A-Za-z0-9_\-]+")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def activation_link(message: EmailMessage) -> str:
    found = LINK.search(text_of(message))
    assert found, "the mail holds no activation link"
    return found.group(0)


async def deliver(runtime: Any, payload: Any, envelope: Any = None) -> bool:
    """Hand an event to a service's consumer as the broker would: bytes in, one transaction.
    Returns False when the inbox had seen the event before."""
    from loket.contracts.envelope import new_envelope

    envelope = envelope or new_envelope(payload, region="demo")
    parsed, handler = runtime.consumer.read(envelope.model_dump_json().encode())
    handled: bool = await runtime.consumer.handle(parsed, handler)
    return handled


class TokenAuthority:
    """A stand-in for identity's signing side, written from the token contract alone: an Ed25519 key,
    its JWKS served over real HTTP, and tokens with whatever claims a test needs."""

    def __init__(self, *, issuer: str = "http://identity.test", region: str = "demo") -> None:
        self.issuer, self.region, self.kid = issuer, region, "test-key-1"
        self.key = Ed25519PrivateKey.generate()
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}).encode()

        class Jwks(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for the serving loop's next poll: 0.5 s by default, at the end of every test.
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def mint(self, *, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": "loket",
            "sub": "user-1",
            "role": "school_user",
            "region": self.region,
            "scope": {},
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="EdDSA", headers={"kid": self.kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def staff_token(
    var_dir: Path,
    identity_url: str,
    *,
    school: str | None = None,
    role: str = "school_user",
    region: str = "demo",
    subject: str | None = None,
) -> str:
    """An access token signed with the running identity's own key (its key folder under `var_dir`).

    Until staff can log in (identity's login), this is how a test stands in for a logged-in teacher;
    dossier still verifies it through identity's real JWKS endpoint."""
    from loket.contracts.tokens import Role, Scope
    from loket.identity.adapters.tokens import SigningKeys, TokenIssuer

    issuer = TokenIssuer(SigningKeys(var_dir / "identity-keys"), issuer=identity_url, region=region)
    scope = Scope(schools=(school,) if school else ())
    return issuer.issue(subject=subject or f"test-{role}", role=Role(role), scope=scope).token


REGIONS = Path(__file__).resolve().parents[1] / "services/aanmelding/src/loket/aanmelding/adapters/regions"


@dataclass
class RoundTimes:
    closes: timedelta  # from now
    published: timedelta  # from now


def procedure_with_rounds(region: str, now: datetime, rounds: list[RoundTimes], seats: int) -> str:
    """The region's procedure file (as aanmelding ships it) with its rounds at these moments from now, each
    window opening when the round before it published (the first a day ago), and `seats` seats a program."""
    text = (REGIONS / f"{region}.toml").read_text()
    head, rest = text.split("[[rounds]]", 1)
    schools = rest[rest.index("[[schools]]") :]
    first_round = rest[: min(at for at in (rest.find("[[rounds]]"), rest.index("[[schools]]")) if at >= 0)]
    mechanism = re.search(r'mechanism = "([^"]+)"', first_round)
    assert mechanism, f"{region}: no mechanism in its first round"

    def at(delta: timedelta) -> str:
        return (now + delta).astimezone(UTC).isoformat(timespec="seconds")

    login = f"{{ opens = {at(-timedelta(days=1))}, closes = {at(rounds[-1].closes)} }}"
    head = re.sub(r"parent_login = \{[^}]*\}", f"parent_login = {login}", head)
    written, opens = [], -timedelta(days=1)
    for number, times in enumerate(rounds, start=1):
        window = f"{{ opens = {at(opens)}, closes = {at(times.closes)} }}"
        forwarding = f"forwarding = {window}\n" if "forwarding" in first_round else ""
        written.append(
            f'[[rounds]]\ncode = "ronde-{number}"\nname = "{number}e ronde"\nregistration = {window}\n{forwarding}'
            f"decisions_due = {at(times.closes)}\nlottery_at = {at(times.closes)}\n"
            f'publication_at = {at(times.published)}\nmechanism = "{mechanism.group(1)}"\n\n'
        )
        opens = times.published + timedelta(seconds=1)
    return head + "".join(written) + re.sub(r"seats = \d+", f"seats = {seats}", schools)


# The authorization matrix every service keeps (`test_authorization_matrix.py`): each endpoint × each
# kind of caller × an object of the caller's own and a foreign one, and the answer each cell expects.
GRANTED = "granted"
INFRASTRUCTURE_PATHS = frozenset({"/healthz", "/readyz"})
Cells = dict[Any, tuple[object, object]]  # caller → (the answer for its own object, for a foreign one)


class Matrix:
    """One service's table: `callers` name the columns; `table(*cells)` makes a row of (own, foreign)
    pairs; `grants` are the statuses that got past access control (a 409 or 422 is the object's state
    or the body saying no, not the caller)."""

    def __init__(self, callers: tuple[str, ...], grants: frozenset[int] = frozenset({200, 201, 202, 204, 409})) -> None:
        self.callers = callers
        self.grants = grants

    def table(self, *cells: tuple[object, object]) -> Cells:
        return dict(zip(self.callers, cells, strict=True))

    @staticmethod
    def endpoints(app: Any) -> set[str]:
        """Every route the app serves, from its OpenAPI document: a new one without a row fails."""
        return {
            f"{method.upper()} {path}"
            for path, operations in app.openapi()["paths"].items()
            if path not in INFRASTRUCTURE_PATHS
            for method in operations
        }

    async def unexpected(
        self,
        cells: Cells,
        ask: Callable[[Any, bool], Awaitable[httpx.Response]],
        *,
        anonymous: Any = "no_token",
    ) -> list[str]:
        """Ask every cell (and without a token, which must be 401) and list each answer that differs."""
        found = []
        for caller, expected_pair in {**cells, anonymous: (401, 401)}.items():
            for own, expected in zip((True, False), expected_pair, strict=True):
                response = await ask(caller, own)
                answer = GRANTED if response.status_code in self.grants else response.status_code
                if answer != expected:
                    found.append(f"{caller} {'own' if own else 'foreign'}: {response.status_code}, expected {expected}")
        return found


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
"""A /metrics page: each sample's value by its name and labels."""


async def scrape(client: httpx.AsyncClient, url: str) -> Samples:
    """The samples of a /metrics page (the Prometheus text format, read by prometheus-client's parser)."""
    answer = await client.get(url)
    assert answer.status_code == 200, f"GET {url}: {answer.status_code} {answer.text}"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def metric(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels` (0 when there are none)."""
    wanted = set(labels.items())
    return sum(found for (named, has), found in samples.items() if named == name and wanted <= has)
