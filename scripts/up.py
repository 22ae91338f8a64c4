"""`make up`: RabbitMQ, a mail catcher, the web portal and the five Loket services, in the foreground, with
a demo region filled through their APIs the first time (scripts/demo/); Ctrl-C stops them.

Ports come from the same variables the services read (LOKET_<SERVICE>_PORT), plus
LOKET_MAIL_SMTP_PORT and LOKET_MAIL_WEB_PORT for the mail catcher. Each process's /metrics is on
LOKET_<SERVICE>_METRICS_PORT, by default its own port + 1000 (identity's on 9001).
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import demo
from honcho.manager import Manager
from honcho.printer import Message

from loket.contracts.broker_access import WORKER, provision_locally, vhost_of

ROOT = Path(__file__).resolve().parents[1]
MAILDEV = ROOT / "tools" / "maildev"
BIN = Path(sys.executable).parent  # the workspace venv: `uv run` put us there
SERVICES = {"identity": 8001, "dossier": 8002, "aanmelding": 8003, "loting": 8004, "notificatie": 8005}
PORTAL = ("portaal", 8000)  # the web portal: no database of its own, it calls the services
READY_WITHIN = 120
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"  # an administrator of the vhost, which up provisions
# Straight to 127.0.0.1, whatever http_proxy says.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def port(variable: str, default: int) -> int:
    return int(os.environ.get(variable) or default)


def ensure_rabbitmq() -> bool:
    """Make sure RabbitMQ answers; return True when this run had to start it (Ctrl-C stops it again)."""
    broker = urlsplit(os.environ.get("LOKET_BROKER_URL", BROKER_URL))
    host, amqp_port = broker.hostname or "127.0.0.1", broker.port or 5672
    was_running = listening(host, amqp_port)
    done = subprocess.run([ROOT / "scripts" / "ensure_rabbitmq.sh", host, str(amqp_port)])
    if done.returncode != 0:
        sys.exit(done.returncode)
    return not was_running


def listening(host: str, tcp_port: int) -> bool:
    try:
        with socket.create_connection((host, tcp_port), timeout=2):
            return True
    except OSError:
        return False


def broker_users(broker_url: str, var_dir: Path) -> dict[str, str]:
    """A broker user per service and one for the simulation worker, limited as in production
    (loket.contracts.broker_access), on the vhost of `broker_url`, with Loket's topology; their
    passwords are kept in var/broker-users.json (0600). Returns each one's AMQP URL."""
    vhost = vhost_of(broker_url)
    prefix = "loket" if vhost == "/" else vhost  # a vhost of its own (the tests): users of its own
    if shutil.which("rabbitmqctl") is None:
        print(f"WARNING: rabbitmqctl is missing: every service connects as the user of {urlsplit(broker_url).netloc}")
        return {}
    return provision_locally(broker_url, var_dir / "broker-users.json", prefix)


def protect(var_dir: Path) -> None:
    """What the services keep under var/ (the SQLite databases, keys, mail) is for this user only: the
    processes run under umask 077, and files an older run left readable are closed now."""
    os.umask(0o077)
    var_dir.mkdir(parents=True, exist_ok=True)
    for path in [var_dir, *var_dir.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o077)


def ensure_maildev() -> None:
    if (MAILDEV / "node_modules" / ".bin" / "maildev").exists():
        return
    if shutil.which("npm") is None:
        sys.exit(
            "npm is missing, and the mail catcher (maildev) needs it: install Node.js 20+ with npm "
            "(Debian: apt-get install nodejs npm), then run `make up` again."
        )
    subprocess.run(["npm", "ci", "--prefix", str(MAILDEV)], check=True)


def answers(url: str) -> bool:
    try:
        with HTTP.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def say(manager: Manager, line: str) -> None:
    """A line of `up` through honcho's own queue, so that it is printed in turn with the services' output."""
    manager.events.put(Message(type="line", data=line + "\n", time=datetime.datetime.now(), name="up", colour=None))


def when_ready(manager: Manager, urls: dict[str, str], mail_ui: str, seed: dict[str, Any] | None) -> None:
    """Once every service's /readyz says 200 (RabbitMQ and its database answer): fill the demo region the
    first time, then print where to start and the demo accounts."""
    started = time.monotonic()
    waiting = dict(urls)
    begun, invited = seed is None, None
    while waiting and time.monotonic() - started < READY_WITHIN:
        time.sleep(1)
        waiting = {name: url for name, url in waiting.items() if not answers(f"{url}/readyz")}
        if not begun and "identity" not in waiting:  # its first administrator, while the others start
            begun, invited = True, demo.begin(**seed)
    if waiting:
        say(manager, f"WARNING: not ready after {READY_WITHIN} s: {', '.join(waiting)} (see their output above)")
        return
    accounts = [] if seed is None else demo.run(urls, f"{mail_ui}api/email", invited, say=partial(say, manager), **seed)
    lines = [f"Loket is ready ({time.monotonic() - started:.0f} s): all {len(urls)} services answer /readyz."]
    if PORTAL[0] in urls:
        lines.append(f"Open the portal: {urls[PORTAL[0]]}/")
    lines += accounts
    apis = ", ".join(f"{url}/docs" for name, url in urls.items() if name != PORTAL[0])
    lines.append(f"Read the mail at {mail_ui}; the APIs: {apis}")
    for line in lines:
        say(manager, line)


def has_portal() -> bool:
    """Whether the web portal is installed (`python -m loket.portaal`)."""
    try:
        return importlib.util.find_spec("loket.portaal.__main__") is not None
    except ImportError:
        return False


def main() -> None:
    var_dir = ROOT / os.environ.get("LOKET_VAR_DIR", "var")  # as the services see it from ROOT
    protect(var_dir)
    started_rabbitmq = ensure_rabbitmq()
    broker_url = os.environ.get("LOKET_BROKER_URL", BROKER_URL)
    brokers = broker_users(broker_url, var_dir)
    ensure_maildev()

    smtp_port = port("LOKET_MAIL_SMTP_PORT", 1025)
    web_port = port("LOKET_MAIL_WEB_PORT", 1080)
    services = dict(SERVICES)
    with_portal = has_portal()
    if with_portal:
        services = {PORTAL[0]: PORTAL[1], **services}
    ports = {name: port(f"LOKET_{name.upper()}_PORT", default) for name, default in services.items()}
    # each process's /metrics (LOKET_METRICS_PORT) one thousand above its own port: identity's on 9001
    metrics = {name: port(f"LOKET_{name.upper()}_METRICS_PORT", default + 1000) for name, default in services.items()}
    urls = {name: f"http://127.0.0.1:{p}" for name, p in ports.items()}
    mail_ui = f"http://127.0.0.1:{web_port}/"

    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "LOKET_LOG_FORMAT": os.environ.get("LOKET_LOG_FORMAT", "text"),  # for a person at the terminal
        "LOKET_NOTIFICATIE_SMTP_HOST": "127.0.0.1",
        "LOKET_NOTIFICATIE_SMTP_PORT": str(smtp_port),
        **{f"LOKET_{name.upper()}_PORT": str(p) for name, p in ports.items()},
    }
    if brokers:  # the administrator's URL goes to nobody: each process below gets its own user's
        env.pop("LOKET_BROKER_URL", None)
    env.setdefault("LOKET_IDENTITY_PUBLIC_URL", urls["identity"])  # links in mails must reach this identity
    env.setdefault("LOKET_IDENTITY_URL", urls["identity"])  # where the services fetch identity's keys
    env.setdefault("LOKET_IDENTITY_COOKIE_SECURE", "false")  # the session cookie over local http
    # The demo's staff log in with a password alone; set it to e.g. region_admin,board_contact,school_admin
    # to try the second factor (the first login then enrols it, and the table shows the secret).
    env.setdefault("LOKET_IDENTITY_TOTP_REQUIRED_ROLES", "")
    if with_portal:
        env.setdefault("LOKET_IDENTITY_PORTAL_URL", urls[PORTAL[0]])  # mails link to the portal's pages
        env.setdefault("LOKET_PORTAAL_PUBLIC_URL", urls[PORTAL[0]])
        # the confirmation mail links to the proof of registration in the portal
        env.setdefault("LOKET_NOTIFICATIE_PROOF_PAGE_URL", f"{urls[PORTAL[0]]}/documents/proof-of-registration.pdf")
        env.setdefault("LOKET_PORTAAL_COOKIE_SECURE", "false")
        for name in SERVICES:
            env.setdefault(f"LOKET_PORTAAL_{name.upper()}_URL", urls[name])
    seed: dict[str, Any] | None = None
    if env.get("LOKET_REGION", "demo") == "demo":
        if "LOKET_AANMELDING_PROCEDURE_FILE" not in env:  # the demo's dates, moved to the first run
            env["LOKET_AANMELDING_PROCEDURE_FILE"] = str(demo.write_procedure(var_dir))
        # the demo's first administrator is invited with identity's own command, as identity
        seed = {
            "env": {**env, "LOKET_BROKER_URL": brokers.get("identity", broker_url)},
            "var_dir": var_dir,
            "bin_dir": BIN,
        }

    manager = Manager()
    maildev = shlex.quote(str(MAILDEV / "node_modules" / ".bin" / "maildev"))
    mail_dir = shlex.quote(str(var_dir / "mail"))
    listen = f"--ip 127.0.0.1 --smtp {smtp_port} --web-ip 127.0.0.1 --web {web_port}"
    manager.add_process("mail", f"exec {maildev} {listen} --mail-directory {mail_dir}", env=env, cwd=str(ROOT))
    for name in SERVICES:
        service = shlex.quote(str(BIN / f"loket-{name}"))
        own = {**env, "LOKET_BROKER_URL": brokers.get(name, broker_url), "LOKET_METRICS_PORT": str(metrics[name])}
        manager.add_process(name, f"exec {service} serve --migrate", env=own, cwd=str(ROOT))
    if with_portal:
        python = shlex.quote(sys.executable)
        portal_env = {**env, "LOKET_METRICS_PORT": str(metrics[PORTAL[0]])}
        manager.add_process(PORTAL[0], f"exec {python} -m loket.portaal serve", env=portal_env, cwd=str(ROOT))
    # one simulation worker; operators run as many as they like (`loting simulate --broker`)
    worker_env = {**env, "LOKET_BROKER_URL": brokers.get(WORKER, broker_url)}
    manager.add_process(
        "loting-worker", f"exec {shlex.quote(str(BIN / 'loting'))} worker", env=worker_env, cwd=str(ROOT)
    )

    print("Starting Loket; Ctrl-C stops everything.")
    for name, url in urls.items():
        print(f"  {name:<12} {url}/" if name == PORTAL[0] else f"  {name:<12} {url}/docs")
    print(f"  {'mail':<12} {mail_ui}  (SMTP on 127.0.0.1:{smtp_port})", flush=True)

    # A daemon thread: it must never keep the process alive after honcho has stopped everything.
    threading.Thread(target=when_ready, args=(manager, urls, mail_ui, seed), daemon=True).start()
    try:
        manager.loop()
    finally:
        if started_rabbitmq:
            print("Stopping the RabbitMQ this run started...", flush=True)
            subprocess.run(["rabbitmqctl", "stop"], check=False)
    sys.exit(manager.returncode)


if __name__ == "__main__":
    main()
