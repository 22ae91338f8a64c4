"""`make up` as a newcomer runs it: everything comes up (the portal too, once it is installed), the demo region
is filled and its table printed, a demo parent logs in with the printed password and finds a registration
open today, the parent login a school sends for a registered pupil lands in the mail catcher with a working
link, and Ctrl-C stops it all and frees every port. A second `make up` on the same var/ adds nothing."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from loket_test_support import LINK, eventually, free_port, metric, rabbitmqctl, scrape, staff_token

from loket.contracts.broker_access import every_access, user_name, vhost_of
from loket.contracts.events import SERVICES as LOKET_SERVICES

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "services" / "loting" / "tests" / "vectors"
SERVICES = ["identity", "dossier", "aanmelding", "loting", "notificatie"]
try:  # the web portal, where it is installed: scripts/up.py decides the same way
    if importlib.util.find_spec("loket.portaal.__main__") is not None:
        SERVICES.append("portaal")
except ImportError:
    pass
TABLE = "Demo accounts"


async def a_notary_runs_a_lottery(client: httpx.AsyncClient, loting: str) -> None:
    market = json.loads((VECTORS / "01-da-stb-small.market.json").read_bytes())
    del market["seed"]
    requested = await client.post(
        f"{loting}/runs", json={"market": market, "seed_sources": [{"kind": "notary"}], "label": "make up"}
    )
    assert requested.status_code == 201, requested.text
    run = f"{loting}/runs/{requested.json()['id']}"

    async def state(wanted: str) -> bool:
        return bool((await client.get(run)).json()["state"] == wanted)

    await eventually(lambda: state("committed"), within=30, what="the commitment seen on the bus")
    seeded = await client.post(f"{run}/seed", json={"entered_by": "notaris", "values": {"notary": "make up"}})
    assert seeded.status_code == 200, seeded.text
    await eventually(lambda: state("completed"), within=30, what="the lottery to complete")
    assert (await client.get(f"{run}/result")).json()["format"] == "loting-result/1"


async def a_simulation_runs_on_the_worker(uv: str, env: dict[str, str], tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    market = VECTORS / "01-da-stb-small.market.json"
    simulate = await asyncio.create_subprocess_exec(
        *[uv, "run", "loting", "simulate", str(market), "--draws", "20", "--out", str(stats)],
        *["--broker", env["LOKET_BROKER_URL"]],
        cwd=ROOT,
        env=env,
    )
    assert await asyncio.wait_for(simulate.wait(), timeout=60) == 0
    assert json.loads(stats.read_bytes())["draws"] == 20


def each_service_connects_as_its_own_broker_user(vhost: str) -> None:
    users = {
        user
        for line in rabbitmqctl("list_connections", "vhost", "user").splitlines()
        if line.startswith(f"{vhost}\t")
        for user in line.split("\t")[1:]
    }
    expected = {user_name(service, prefix=vhost) for service in LOKET_SERVICES}
    assert expected <= users, f"connected to {vhost} as {sorted(users)}"
    assert "guest" not in users, "a service connected as the administrator"


def only_the_owner_reads_what_is_kept(var: Path) -> None:
    """The databases (with their journals), the mails and the broker passwords; not what this test wrote
    itself (staff_token may make identity's key first, under the test's own umask)."""
    databases = sorted(var.glob("*.db"))
    assert {path.stem for path in databases} >= {*LOKET_SERVICES, "left-by-an-older-run"}
    kept = [var, *var.glob("*.db*"), *(var / "mail").rglob("*"), var / "broker-users.json"]
    readable = {
        str(path.relative_to(var.parent)): oct(path.stat().st_mode & 0o777)
        for path in kept
        if path.stat().st_mode & 0o077
    }
    assert not readable, f"readable by others than their owner: {readable}"


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a server would; TIME_WAIT is no tenant
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Up:
    """scripts/up.py as a process in a group of its own, like a terminal's foreground job: Ctrl-C goes to the
    whole group."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process, self.log = process, log

    @classmethod
    async def start(cls, uv: str, env: dict[str, str], log: Path) -> Up:
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *[uv, "run", "python", "scripts/up.py"], cwd=ROOT, env=env, stdout=out, stderr=out, process_group=0
            )
        return cls(process, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def ready(self, client: httpx.AsyncClient, urls: dict[str, str]) -> None:
        async def all_ready() -> bool:
            if self.process.returncode is not None:
                raise AssertionError(f"up.py exited with {self.process.returncode}:\n{self.output()}")
            try:
                answers = [await client.get(f"{url}/readyz") for url in urls.values()]
            except httpx.TransportError:
                return False
            return all(answer.status_code == 200 for answer in answers)

        await eventually(all_ready, within=120, what=f"all {len(urls)} services to be ready")

    async def table(self) -> str:
        """The output once the demo's table is printed (after filling the region, the first time)."""

        async def printed() -> str | None:
            if self.process.returncode is not None:
                raise AssertionError(f"up.py exited with {self.process.returncode}:\n{self.output()}")
            output = self.output()
            assert "| WARNING:" not in output, output
            return output if "Registration (1e ronde) is open until" in output else None

        return await eventually(printed, within=150, what="the demo accounts' table")

    async def ctrl_c(self, ports: list[int]) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=20)
        except TimeoutError:
            pytest.fail(f"up.py did not stop within 20 s of Ctrl-C:\n{self.output()}")
        still_taken = [port for port in ports if not port_is_free(port)]
        assert not still_taken, f"ports still in use after Ctrl-C: {still_taken}\n{self.output()}"

    async def stop(self) -> None:
        if self.process.returncode is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # honcho stops its processes on SIGTERM too
            await asyncio.wait_for(self.process.wait(), timeout=20)
        sys.stdout.write(self.output())  # pytest shows it only when the test fails


def printed_row(output: str, username: str) -> list[str]:
    """The table's row of `username`: who, username, password, what to try."""
    for line in output.split(TABLE, 1)[1].splitlines():
        cells = re.split(r"\s{2,}", line.split("| ", 1)[-1].strip())
        if len(cells) == 4 and cells[1] == username:
            return cells
    raise AssertionError(f"{username} is not in the printed table:\n{output}")


async def what_the_region_holds(client: httpx.AsyncClient, urls: dict[str, str], output: str) -> object:
    """Every pupil in dossier and every staff account in identity, as the demo's region administrator sees them."""
    admin = printed_row(output, "regio@demo.example.org")
    login = await client.post(f"{urls['identity']}/login", json={"username": admin[1], "password": admin[2]})
    assert login.status_code == 200, login.text
    region = {"Authorization": f"Bearer {login.json()['access_token']}"}
    staff = (await client.get(f"{urls['identity']}/staff", headers=region)).json()
    pupils = (await client.get(f"{urls['dossier']}/pupils", headers=region)).json()
    return sorted(account["email"] for account in staff), sorted(pupil["elk_number"] for pupil in pupils)


async def a_demo_parent_can_register_today(
    client: httpx.AsyncClient, urls: dict[str, str], var: Path, output: str
) -> None:
    """The first demo parent logs in with the printed password: the child's registration is open, not started,
    and the round's window holds today."""
    seeded = json.loads((var / "demo" / "accounts.json").read_text())
    daan = next(child for child in seeded["parents"] if child["state"] == "new" and child["advice"])
    _, username, password, _ = printed_row(output, daan["elk_number"])
    login = await client.post(f"{urls['identity']}/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    parent = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = (await client.get(f"{urls['identity']}/me", headers=parent)).json()
    assert me["role"] == "parent" and me["scope"]["pupil"] == daan["id"]
    registration = await client.get(f"{urls['aanmelding']}/pupils/{daan['id']}/registration", headers=parent)
    assert registration.status_code == 200, registration.text
    assert registration.json()["readiness"] == "open"
    assert registration.json()["current"] is None  # not started: the parent can do every step today
    started = await client.post(f"{urls['aanmelding']}/pupils/{daan['id']}/registration", headers=parent)
    assert started.status_code == 201, f"the round does not take registrations today: {started.text}"
    assert started.json()["round"] == "ronde-1"


async def the_school_sees_the_dots_and_the_mail_holds_a_working_link(
    client: httpx.AsyncClient, urls: dict[str, str], web_port: int, var: Path, output: str
) -> None:
    """The parent logins the demo's primary school sent: green where the parent activated, blue where the
    parent has not yet, whose mail waits in maildev with a link that opens the activation page."""
    seeded = json.loads((var / "demo" / "accounts.json").read_text())
    waiting = next(child for child in seeded["parents"] if child["state"] == "not_activated")
    activated = next(child for child in seeded["parents"] if child["state"] == "submitted")
    _, username, password, _ = printed_row(output, "directie.regenboog@demo.example.org")
    login = await client.post(f"{urls['identity']}/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    school = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for child, state in ((activated, "activated"), (waiting, "sent")):
        read = await client.get(f"{urls['dossier']}/pupils/{child['id']}", headers=school)
        assert read.json()["parent_logins"][0]["state"] == state, read.text

    inbox = (await client.get(f"http://127.0.0.1:{web_port}/api/email")).json()
    [message] = [m for m in inbox if [to["address"] for to in m["to"]] == [waiting["parent_email"]]]
    found = LINK.search(str(message["text"]))
    assert found, f"no activation link in:\n{message['text']}"
    link = found.group(0)
    # to the portal's page where there is a portal (LOKET_IDENTITY_PORTAL_URL), else to identity's own
    assert link.startswith((f"{urls.get('portaal')}/activate/", f"{urls['identity']}/activate/")), link
    for page in {link, f"{urls['identity']}/activate/{link.rsplit('/', 1)[1]}"}:
        form = await client.get(page)
        assert form.status_code == 200, f"GET {page} gave {form.status_code}; the output is below"


async def each_process_counts_what_passed(
    client: httpx.AsyncClient, urls: dict[str, str], metrics_ports: dict[str, int]
) -> None:
    """Each process's /metrics, on its metrics port alone: its requests by route, the events it published
    and handled while the demo region was filled, its outbox, and what it runs."""
    if "portaal" in urls:
        assert (await client.get(f"{urls['portaal']}/")).status_code in {200, 303}
    for name, port in metrics_ports.items():
        assert (await client.get(f"{urls[name]}/metrics")).status_code == 404  # not on the public port
        samples = await scrape(client, f"http://127.0.0.1:{port}/metrics")
        assert metric(samples, "loket_build_info", service=name) == 1, name
        assert metric(samples, "http_requests_total") > 0, name
        if name == "portaal":
            continue
        events = metric(samples, "faststream_published_messages_total", app_name=name, status="success")
        events += metric(samples, "faststream_received_processed_messages_total", app_name=name, status="acked")
        assert events > 0, f"{name} counted no event"
        assert ("loket_outbox_waiting", frozenset({("service", name)})) in samples, name


@pytest.mark.timeout(300)  # two starts of every service: far less on a machine that is not busy
async def test_make_up_fills_the_demo_region_once_and_ctrl_c_stops_it(broker_url: str, tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed: `make up` needs it for the mail catcher (apt-get install nodejs npm)")
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is not on PATH"

    ports = {name: free_port() for name in SERVICES}
    metrics_ports = {name: free_port() for name in SERVICES}
    smtp_port, web_port = free_port(), free_port()
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    var = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOKET_")}  # SQLite, as up
    env |= {
        "LOKET_VAR_DIR": str(var),
        "LOKET_BROKER_URL": broker_url,
        "LOKET_RELAY_POLL_INTERVAL": "0.2",
        "LOKET_MAIL_SMTP_PORT": str(smtp_port),
        "LOKET_MAIL_WEB_PORT": str(web_port),
        **{f"LOKET_{name.upper()}_PORT": str(port) for name, port in ports.items()},
        **{f"LOKET_{name.upper()}_METRICS_PORT": str(port) for name, port in metrics_ports.items()},
    }
    every_port = [*ports.values(), *metrics_ports.values(), smtp_port, web_port]
    var.mkdir()
    (var / "left-by-an-older-run.db").write_bytes(b"")
    (var / "left-by-an-older-run.db").chmod(0o644)
    up = await Up.start(uv, env, tmp_path / "up.log")
    again: Up | None = None
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            await up.ready(client, urls)
            # while the demo region is filled: a notary's lottery, and a simulation on the worker
            operator = staff_token(var, urls["identity"], role="region_admin")
            notary = httpx.AsyncClient(trust_env=False, timeout=10, headers={"Authorization": f"Bearer {operator}"})
            async with notary:
                await a_notary_runs_a_lottery(notary, urls["loting"])
            await a_simulation_runs_on_the_worker(uv, env, tmp_path)

            output = await up.table()
            if "portaal" in urls:
                assert output.index(f"Open the portal: {urls['portaal']}/") < output.index(TABLE)
            await a_demo_parent_can_register_today(client, urls, var, output)
            await the_school_sees_the_dots_and_the_mail_holds_a_working_link(client, urls, web_port, var, output)
            held = await what_the_region_holds(client, urls, output)
            each_service_connects_as_its_own_broker_user(vhost_of(broker_url))
            await each_process_counts_what_passed(client, urls, metrics_ports)
        await up.ctrl_c(every_port)
        only_the_owner_reads_what_is_kept(var)

        # a second `make up` on the same var/: the same table, nothing added
        again = await Up.start(uv, env, tmp_path / "again.log")
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            await again.ready(client, urls)
            output = await again.table()
            assert "Filling the demo region" not in output
            assert await what_the_region_holds(client, urls, output) == held
        await again.ctrl_c(every_port)
    finally:
        await up.stop()
        if again is not None:
            await again.stop()
        for access in every_access(prefix=vhost_of(broker_url)):  # the users up made for the test's vhost
            with contextlib.suppress(RuntimeError):  # never made, or gone already
                rabbitmqctl("delete_user", access.user)
