"""`make up`: RabbitMQ, a mail catcher and the five Loket services, in the foreground; Ctrl-C stops them.

Ports come from the same variables the services read (LOKET_<SERVICE>_PORT), plus
LOKET_MAIL_SMTP_PORT and LOKET_MAIL_WEB_PORT for the mail catcher.
"""

from __future__ import annotations

import datetime
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from honcho.manager import Manager
from honcho.printer import Message

ROOT = Path(__file__).resolve().parents[1]
MAILDEV = ROOT / "tools" / "maildev"
BIN = Path(sys.executable).parent  # the workspace venv: `uv run` put us there
SERVICES = {"identity": 8001, "dossier": 8002, "aanmelding": 8003, "loting": 8004, "notificatie": 8005}
READY_WITHIN = 120
# Straight to 127.0.0.1, whatever http_proxy says.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def port(variable: str, default: int) -> int:
    return int(os.environ.get(variable) or default)


def ensure_rabbitmq() -> bool:
    """Make sure RabbitMQ answers; return True when this run had to start it (Ctrl-C stops it again)."""
    broker = urlsplit(os.environ.get("LOKET_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/"))
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


def announce_when_ready(manager: Manager, urls: dict[str, str], mail_ui: str) -> None:
    """Tell, once, when every service's /readyz says 200 (RabbitMQ and its database answer)."""
    started = time.monotonic()
    waiting = dict(urls)
    while waiting and time.monotonic() - started < READY_WITHIN:
        time.sleep(1)
        waiting = {name: url for name, url in waiting.items() if not answers(f"{url}/readyz")}
    if waiting:
        line = f"WARNING: not ready after {READY_WITHIN} s: {', '.join(waiting)} (see their output above)"
    else:
        line = (
            f"Loket is ready ({time.monotonic() - started:.0f} s): all {len(urls)} services answer /readyz; "
            f"try POST /pupils and POST /pupils/{{id}}/parent-login at {urls['dossier']}/docs "
            f"and read the mail at {mail_ui}"
        )
    # Through honcho's own queue, so the line is printed in turn with the services' output.
    manager.events.put(Message(type="line", data=line + "\n", time=datetime.datetime.now(), name="up", colour=None))


def main() -> None:
    started_rabbitmq = ensure_rabbitmq()
    ensure_maildev()

    smtp_port = port("LOKET_MAIL_SMTP_PORT", 1025)
    web_port = port("LOKET_MAIL_WEB_PORT", 1080)
    var_dir = ROOT / os.environ.get("LOKET_VAR_DIR", "var")  # as the services see it from ROOT
    ports = {name: port(f"LOKET_{name.upper()}_PORT", default) for name, default in SERVICES.items()}
    urls = {name: f"http://127.0.0.1:{p}" for name, p in ports.items()}
    mail_ui = f"http://127.0.0.1:{web_port}/"

    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "LOKET_NOTIFICATIE_SMTP_HOST": "127.0.0.1",
        "LOKET_NOTIFICATIE_SMTP_PORT": str(smtp_port),
        **{f"LOKET_{name.upper()}_PORT": str(p) for name, p in ports.items()},
    }
    env.setdefault("LOKET_IDENTITY_PUBLIC_URL", urls["identity"])  # links in mails must reach this identity
    env.setdefault("LOKET_IDENTITY_URL", urls["identity"])  # where the services fetch identity's keys
    env.setdefault("LOKET_IDENTITY_COOKIE_SECURE", "false")  # the session cookie over local http

    manager = Manager()
    maildev = shlex.quote(str(MAILDEV / "node_modules" / ".bin" / "maildev"))
    mail_dir = shlex.quote(str(var_dir / "mail"))
    listen = f"--ip 127.0.0.1 --smtp {smtp_port} --web-ip 127.0.0.1 --web {web_port}"
    manager.add_process("mail", f"exec {maildev} {listen} --mail-directory {mail_dir}", env=env, cwd=str(ROOT))
    for name in SERVICES:
        service = shlex.quote(str(BIN / f"loket-{name}"))
        manager.add_process(name, f"exec {service} serve --migrate", env=env, cwd=str(ROOT))
    # one simulation worker; operators run as many as they like (`loting simulate --broker`)
    worker_env = {**env, "LOKET_BROKER_URL": os.environ.get("LOKET_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")}
    manager.add_process(
        "loting-worker", f"exec {shlex.quote(str(BIN / 'loting'))} worker", env=worker_env, cwd=str(ROOT)
    )

    print("Starting Loket; Ctrl-C stops everything.")
    for name, url in urls.items():
        print(f"  {name:<12} {url}/docs")
    print(f"  {'mail':<12} {mail_ui}  (SMTP on 127.0.0.1:{smtp_port})", flush=True)

    # A daemon thread: it must never keep the process alive after honcho has stopped everything.
    threading.Thread(target=announce_when_ready, args=(manager, urls, mail_ui), daemon=True).start()
    try:
        manager.loop()
    finally:
        if started_rabbitmq:
            print("Stopping the RabbitMQ this run started...", flush=True)
            subprocess.run(["rabbitmqctl", "stop"], check=False)
    sys.exit(manager.returncode)


if __name__ == "__main__":
    main()
