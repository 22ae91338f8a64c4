"""Servers of a test's own, to stop and start while services use them: a PostgreSQL cluster and a
RabbitMQ node. The machine's servers on 5432 and 5672 are shared with other tests and never stopped;
the fault tests (transient failures, the chaos run) stop these instead."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loket_test_support import free_port, unique_name


class StoppablePostgres:
    """A PostgreSQL cluster of the test's own, to stop and start while a service uses it: the machine's
    server on 5432 is shared with others and never stopped. `initdb` in a temporary folder (trust
    authentication, a free port on 127.0.0.1, the socket in that folder, no fsync); as root every
    PostgreSQL program runs as the `postgres` user, who owns the folder."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
        if not found:
            raise RuntimeError("no /usr/lib/postgresql/*/bin/initdb: the fault tests need PostgreSQL's server programs")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="loket-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, user="postgres", group="postgres")
        self.running = False

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy (asyncpg) URL of one of its databases."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed: {done.stderr.strip()}\n{log}")

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.folder}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "'16MB'",
            "max_connections": "30",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def remove(self) -> None:
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    """A running PostgreSQL cluster of the test's own (`StoppablePostgres`): `stop()`, `start()`, `url()`;
    removed with everything in it after the test."""
    cluster = StoppablePostgres()
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


class StoppableRabbitMQ:
    """A RabbitMQ node of the test's own, to stop and start while services use it: the machine's node on
    5672 is shared with others and never stopped. Its own node name, AMQP and distribution ports on
    127.0.0.1, data and logs in a temporary folder, its own configuration and no plugins; as root it runs
    as the `rabbitmq` user, whose Erlang cookie its `rabbitmqctl` shares. Its data outlives `stop()`:
    durable queues and persistent messages are there again after `start()`, as after a node's restart."""

    def __init__(self) -> None:
        self.bin = Path("/usr/lib/rabbitmq/bin")
        if not (self.bin / "rabbitmq-server").exists():
            raise RuntimeError(f"no {self.bin}/rabbitmq-server: the fault tests need RabbitMQ's server programs")
        self.port = free_port()
        self.node = f"{unique_name('loket')}@localhost"
        self.folder = Path(tempfile.mkdtemp(prefix="loket-rabbitmq-"))
        (self.folder / "enabled_plugins").write_text("[].\n")
        (self.folder / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\n")
        (self.folder / "rabbitmq-env.conf").write_text("")  # not the machine's, which names its node
        self.as_root = os.geteuid() == 0
        home = Path("/var/lib/rabbitmq") if self.as_root else Path.home()
        self.env = {
            **os.environ,
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        if self.as_root:
            subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.folder)], check=True)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        return ["runuser", "-u", "rabbitmq", "--", *command] if self.as_root else command

    def ctl(self, *args: str, timeout: float = 120, stdin: str | None = None) -> str:
        done = subprocess.run(
            self._command("rabbitmqctl", "-q", "-n", self.node, *args),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            cwd=self.folder,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.node} failed: {done.stderr.strip()}")
        return done.stdout

    def import_definitions(self, document: dict[str, Any]) -> None:
        """Users, permissions, exchanges, queues and bindings (`loket.contracts.broker_access.definitions`),
        through stdin: password hashes never lie in a file."""
        self.ctl("import_definitions", "--format", "json", stdin=json.dumps(document))

    def start(self) -> None:
        """Start the node and wait until it takes connections."""
        output = (self.folder / "server.out").open("ab")
        self.process = subprocess.Popen(
            self._command("rabbitmq-server"),
            env=self.env,
            cwd=self.folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own: runuser, the script and the node, killed together
        )
        deadline = time.monotonic() + 120
        while True:  # the node opens its AMQP listener last, once it has booted
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "server.out").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"RabbitMQ node {self.node} did not start:\n{log}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the node (every connection drops) and wait for its process to end."""
        self.ctl("stop")
        if self.process is not None:
            self.process.wait(timeout=60)
            self.process = None

    def remove(self) -> None:
        try:
            if self.process is not None:
                try:
                    self.stop()
                except (RuntimeError, subprocess.TimeoutExpired):
                    os.killpg(self.process.pid, signal.SIGKILL)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def stoppable_rabbitmq() -> Iterator[StoppableRabbitMQ]:
    """A running RabbitMQ node of the test's own (`StoppableRabbitMQ`): `url`, `stop()`, `start()`;
    removed with its data after the test."""
    node = StoppableRabbitMQ()
    try:
        node.start()
        yield node
    finally:
        node.remove()
