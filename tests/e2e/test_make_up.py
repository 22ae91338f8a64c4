"""`make up` as a newcomer runs it: everything comes up, the parent login a school sends for a registered
pupil lands in the mail catcher with a working link, and Ctrl-C stops it all and frees every port."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from loket_test_support import LINK, eventually, free_port, staff_token

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "services" / "loting" / "tests" / "vectors"
SERVICES = ["identity", "dossier", "aanmelding", "loting", "notificatie"]
PARENT = "ouder.make-up@example.org"
PUPIL = {
    "given_name": "Sem",
    "family_name": "Jansen",
    "birth_date": "2014-05-01",
    "school_brin": "12AB01",
    "parent_email": PARENT,
}


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


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a server would; TIME_WAIT is no tenant
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


async def test_make_up_runs_the_whole_system_and_ctrl_c_stops_it(broker_url: str, tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed: `make up` needs it for the mail catcher (apt-get install nodejs npm)")
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is not on PATH"

    ports = {name: free_port() for name in SERVICES}
    smtp_port, web_port = free_port(), free_port()
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOKET_")}  # SQLite, as up
    env |= {
        "LOKET_VAR_DIR": str(tmp_path / "var"),
        "LOKET_BROKER_URL": broker_url,
        "LOKET_RELAY_POLL_INTERVAL": "0.2",
        "LOKET_IDENTITY_PUBLIC_URL": urls["identity"],
        "LOKET_MAIL_SMTP_PORT": str(smtp_port),
        "LOKET_MAIL_WEB_PORT": str(web_port),
        **{f"LOKET_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    log_path = tmp_path / "up.log"
    with log_path.open("wb") as log:
        # In a process group of its own, like a terminal's foreground job: Ctrl-C goes to the whole group.
        up = await asyncio.create_subprocess_exec(
            *[uv, "run", "python", "scripts/up.py"], cwd=ROOT, env=env, stdout=log, stderr=log, process_group=0
        )

    def output() -> str:
        return log_path.read_text(errors="replace")

    try:
        async with httpx.AsyncClient(trust_env=False, timeout=5) as client:

            async def all_ready() -> bool:
                if up.returncode is not None:
                    raise AssertionError(f"up.py exited with {up.returncode}:\n{output()}")
                try:
                    answers = [await client.get(f"{url}/readyz") for url in urls.values()]
                except httpx.TransportError:
                    return False
                return all(answer.status_code == 200 for answer in answers)

            await eventually(all_ready, within=120, what="all five services to be ready")

            assert (await client.get(f"{urls['identity']}/.well-known/jwks.json")).json()["keys"]
            teacher = staff_token(tmp_path / "var", env["LOKET_IDENTITY_PUBLIC_URL"], school=PUPIL["school_brin"])
            school = {"Authorization": f"Bearer {teacher}"}
            created = await client.post(f"{urls['dossier']}/pupils", json=PUPIL, headers=school)
            assert created.status_code == 201, created.text
            pupil = f"{urls['dossier']}/pupils/{created.json()['id']}"
            sent = await client.post(f"{pupil}/parent-login", json={"parent": 1}, headers=school)
            assert sent.status_code == 202, sent.text  # ouderinlog versturen: only now is the parent mailed

            async def mail() -> list[dict[str, object]]:
                inbox = (await client.get(f"http://127.0.0.1:{web_port}/api/email")).json()
                return [m for m in inbox if [to["address"] for to in m["to"]] == [PARENT]]

            [message] = await eventually(mail, within=30, what="the activation mail in maildev")
            found = LINK.search(str(message["text"]))
            assert found, f"no activation link in:\n{message['text']}"
            link = found.group(0)
            assert link.startswith(f"{urls['identity']}/activate/")
            form = await client.get(link)
            assert form.status_code == 200, f"GET {link} gave {form.status_code}; identity's output is below"
            answers = {"school": PUPIL["school_brin"], "birth_date": PUPIL["birth_date"]}
            password = {"password": "correct horse battery", "password_repeat": "correct horse battery"}
            activated = await client.post(link, data=answers | password, headers={"Accept": "application/json"})
            assert activated.status_code == 200, activated.text
            assert activated.json()["role"] == "parent"

            async def green() -> bool:
                read = await client.get(pupil, headers=school)
                return bool(read.json()["parent_logins"][0]["state"] == "activated")

            await eventually(green, within=30, what="the school to see the parent login activated")

            operator = staff_token(tmp_path / "var", env["LOKET_IDENTITY_PUBLIC_URL"], role="region_admin")
            client.headers["Authorization"] = f"Bearer {operator}"
            await a_notary_runs_a_lottery(client, urls["loting"])
            await a_simulation_runs_on_the_worker(uv, env, tmp_path)

        os.killpg(up.pid, signal.SIGINT)
        try:
            await asyncio.wait_for(up.wait(), timeout=20)
        except TimeoutError:
            pytest.fail(f"up.py did not stop within 20 s of Ctrl-C:\n{output()}")
        still_taken = [port for port in [*ports.values(), smtp_port, web_port] if not port_is_free(port)]
        assert not still_taken, f"ports still in use after Ctrl-C: {still_taken}\n{output()}"
    finally:
        if up.returncode is None:
            os.killpg(up.pid, signal.SIGTERM)  # honcho stops its processes on SIGTERM too
            await asyncio.wait_for(up.wait(), timeout=20)
        sys.stdout.write(output())  # pytest shows it only when the test fails
