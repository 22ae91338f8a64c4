"""Run services as real processes, each on its own PostgreSQL database, all on one vhost, each as its own
broker user (the end-to-end and browser tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from broker_support import as_user
from loket_test_support import LINK_KEY, SmtpServer, create_database, drop_database, eventually, free_port

from loket.contracts.events import SERVICES

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class RunningService:
    name: str
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    async def until_ready(self, client: httpx.AsyncClient, within: float = 120) -> None:
        """Wait for its /readyz; a service starting on a busy machine (the browser phase starts several
        at once) can take a minute to import and migrate."""

        async def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            try:
                return (await client.get(f"{self.url}/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(ready, within=within, what=f"{self.name} to be ready")

    def restart(self) -> None:
        """Start the process again as it was started (after a test killed it); its log goes on."""
        self.process = spawn(self.name, self.env, self.log.open("ab"))


def spawn(name: str, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", f"loket.{name}", "serve", "--migrate"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
async def start_services(broker_url: str, smtp: SmtpServer, tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    started: list[RunningService] = []
    databases: list[str] = []
    identity: dict[str, str] = {}  # identity's address, for services started after it
    # each service's first port is known from the start, so that one started early can call one started
    # later (notificatie reads aanmelding's record; identity's mails link to the portal)
    planned = {name: free_port() for name in ("identity", "dossier", "aanmelding", "loting", "notificatie", "portaal")}
    used: set[str] = set()

    async def start(*names: str, **settings: str) -> dict[str, RunningService]:
        """Start these services; `settings` are more LOKET_… variables for all of them. Services started
        in a later call find the identity of an earlier one. A service whose LOKET_<NAME>_DATABASE_URL is
        among the settings uses that database (on a server of the test's own) instead of a new one."""
        ports = {name: free_port() if name in used else planned[name] for name in names}
        used.update(names)
        env = {
            **os.environ,
            "LOKET_BROKER_URL": broker_url,
            "LOKET_REGION": "demo",
            "LOKET_VAR_DIR": str(tmp_path / "var"),
            "LOKET_RELAY_POLL_INTERVAL": "0.2",
            "LOKET_LINK_KEY": LINK_KEY,  # identity seals the links it mails, notificatie opens them
            "LOKET_NOTIFICATIE_SMTP_PORT": str(smtp.port),
            "LOKET_IDENTITY_COOKIE_SECURE": "false",  # plain http here, as with `make up`
            "LOKET_NOTIFICATIE_AANMELDING_URL": f"http://127.0.0.1:{planned['aanmelding']}",
            "LOKET_NOTIFICATIE_DOSSIER_URL": f"http://127.0.0.1:{planned['dossier']}",
            **identity,
            **settings,
        }
        for name, port in ports.items():
            env[f"LOKET_{name.upper()}_PORT"] = str(port)
            if f"LOKET_{name.upper()}_DATABASE_URL" in settings:
                continue
            database, url = await create_database(f"loket_e2e_{name}")
            databases.append(database)
            env[f"LOKET_{name.upper()}_DATABASE_URL"] = url
        if "identity" in ports:
            url = f"http://127.0.0.1:{ports['identity']}"
            identity.update(LOKET_IDENTITY_PUBLIC_URL=url, LOKET_IDENTITY_URL=url)
            env.update(identity)
        running = {}
        for name, port in ports.items():
            log = tmp_path / f"{name}.log"
            # each service as its own broker user, limited as in production (loket.contracts.broker_access)
            own = {**env, "LOKET_BROKER_URL": as_user(broker_url, name)} if name in SERVICES else env
            process = spawn(name, own, log.open("wb"))
            service = RunningService(
                name, f"http://127.0.0.1:{port}", own[f"LOKET_{name.upper()}_DATABASE_URL"], process, log, own
            )
            started.append(service)
            running[name] = service
        async with httpx.AsyncClient() as client:
            for service in running.values():
                await service.until_ready(client)
            if "identity" in running:
                # identity makes its first signing key when first asked; asking now means that a test's
                # staff_token signs with identity's key rather than racing it to make one of its own
                await client.get(f"{running['identity'].url}/.well-known/jwks.json")
        return running

    start.planned = planned  # type: ignore[attr-defined]
    yield start
    for service in started:
        service.process.send_signal(signal.SIGTERM)
    for service in started:
        try:
            service.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.process.kill()
        print(f"----- {service.name} log -----\n{service.log.read_text()}")  # shown when a test fails
    for database in databases:
        await drop_database(database)
