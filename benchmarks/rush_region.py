"""The rush's region (benchmarks/rush.py): the five services as processes on this machine's PostgreSQL and
RabbitMQ (databases and a vhost of their own, dropped afterwards), an SMTP server in a process of its own
that notes when each mail arrives, and pupils with their parents' accounts made before anything is timed.

Seeding goes through the services' own APIs the way a primary school works, in bulk: the pupils imported
from a pupil-administration file per group, the parent logins sent per group (identity makes the accounts
and notificatie mails the links: the addresses the confirmations go to), a final advice each. Activating an
account costs identity an argon2id hash (a tenth of a second of a core, on purpose); thousands of them
would take minutes and measure identity, not the registration; so the parents' access tokens are signed
with identity's own key for the accounts it made (as the tests' `staff_token` does for staff).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from loket_test_support import (  # noqa: E402
    RoundTimes,
    create_database,
    create_vhost,
    delete_vhost,
    drop_database,
    eventually,
    free_port,
    procedure_with_rounds,
)
from region_support import PASSWORD, SCHOOL, chosen_list  # noqa: E402

SERVICES = ("identity", "dossier", "aanmelding", "loting", "notificatie")
GROUP_SIZE = 250  # pupils a group: an import file and a page of aanmelding's list each
ADVICE = "havo"


@dataclass(frozen=True)
class Seeded:
    """A pupil ready to be registered: the parent's account made and its activation link mailed."""

    pupil_id: str
    elk_number: str
    birth_date: str
    address: str
    account_id: str = ""


@dataclass
class Service:
    name: str
    url: str
    database: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path


class MailCatcher:
    """aiosmtpd in a process of its own (so that the load's own CPU does not delay it), writing a line
    `<unix time>\\t<To>\\t<Subject>` per mail as it arrives."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.path = folder / "mails.tsv"
        self.path.touch()
        self.process = subprocess.Popen(  # noqa: S603 - this very file
            [sys.executable, __file__, "smtp", str(self.port), str(self.path)], cwd=ROOT, stdout=subprocess.DEVNULL
        )

    def mails(self) -> list[tuple[float, str, str]]:
        found = []
        for line in self.path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                found.append((float(parts[0]), parts[1], parts[2]))
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def serve_smtp(port: int, path: str) -> None:
    from aiosmtpd.controller import Controller

    log = open(path, "a", buffering=1)  # noqa: SIM115 - open until the process is stopped

    class Noting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            arrived = time.time()
            head = envelope.content.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
            fields = {}
            for line in head.split("\r\n"):
                if ":" in line and not line[:1].isspace():
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.strip()
            log.write(f"{arrived:.6f}\t{fields.get('to', '')}\t{fields.get('subject', '')}\n")
            return "250 Message accepted for delivery"

    controller = Controller(Noting(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class RushRegion:
    """`async with RushRegion(folder, region) as r`: the services running, `await r.seed(n)`, then
    `r.parent_headers(pupil)` for each parent; everything removed again on leaving."""

    def __init__(self, folder: Path, region: str = "amsterdam", *, poll: float = 1.0) -> None:
        self.folder, self.region, self.poll = folder, region, poll
        self.var = folder / "var"
        self.services: dict[str, Service] = {}
        self.vhost = ""
        self.mail: MailCatcher | None = None
        self.client = httpx.AsyncClient(timeout=600, trust_env=False)
        self.programs: list[str] = []
        self._issuer: Any = None

    @property
    def url(self) -> dict[str, str]:
        return {name: service.url for name, service in self.services.items()}

    async def __aenter__(self) -> RushRegion:
        try:
            await self.start()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        for service in self.services.values():
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in self.services.values():
            try:
                service.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.process.kill()
        if self.mail:
            self.mail.stop()
        await self.client.aclose()
        for service in self.services.values():
            await drop_database(service.database)
        if self.vhost:
            await asyncio.to_thread(delete_vhost, self.vhost)

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.vhost, broker = await asyncio.to_thread(create_vhost)
        self.mail = MailCatcher(self.folder)
        ports = {name: free_port() for name in SERVICES}
        procedure = self.folder / "procedure.toml"
        hours = [RoundTimes(closes=timedelta(hours=6), published=timedelta(hours=7))]
        procedure.write_text(procedure_with_rounds(self.region, datetime.now(UTC), hours, seats=100_000))
        identity = f"http://127.0.0.1:{ports['identity']}"
        env = {
            **os.environ,
            "LOKET_BROKER_URL": broker,
            "LOKET_REGION": self.region,
            "LOKET_VAR_DIR": str(self.var),
            "LOKET_RELAY_POLL_INTERVAL": str(self.poll),
            "LOKET_NOTIFICATIE_SMTP_PORT": str(self.mail.port),
            "LOKET_IDENTITY_COOKIE_SECURE": "false",
            "LOKET_IDENTITY_PUBLIC_URL": identity,
            "LOKET_IDENTITY_URL": identity,
            "LOKET_NOTIFICATIE_AANMELDING_URL": f"http://127.0.0.1:{ports['aanmelding']}",
            "LOKET_NOTIFICATIE_DOSSIER_URL": f"http://127.0.0.1:{ports['dossier']}",
            "LOKET_AANMELDING_PROCEDURE_FILE": str(procedure),
        }
        databases = {name: await create_database(f"loket_rush_{name}") for name in SERVICES}
        for name in SERVICES:
            env[f"LOKET_{name.upper()}_PORT"] = str(ports[name])
            env[f"LOKET_{name.upper()}_DATABASE_URL"] = databases[name][1]
        for name in SERVICES:
            log = self.folder / f"{name}.log"
            process = subprocess.Popen(  # noqa: S603, ASYNC220 - starting a process does not wait for it
                [sys.executable, "-m", f"loket.{name}", "serve", "--migrate"],
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{ports[name]}"
            database, database_url = databases[name]
            self.services[name] = Service(name, url, database, database_url, process, log)
        for service in self.services.values():

            async def ready(service: Service = service) -> bool:
                if service.process.poll() is not None:
                    raise SystemExit(f"{service.name} exited:\n{service.log.read_text()[-3000:]}")
                try:
                    return (await self.client.get(f"{service.url}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, within=120, what=f"{service.name} to be ready")
        await self.client.get(f"{identity}/.well-known/jwks.json")  # identity makes its signing key now
        helper = await self.call("aanmelding", "GET", "/procedure/programs", None, params={"advice": ADVICE})
        self.programs = chosen_list(helper)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time each service's processes (its workers included) have used so far."""
        tick = os.sysconf("SC_CLK_TCK")
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
        used = {}
        for name, service in self.services.items():
            family, total = {service.process.pid}, 0.0
            for pid, (parent, _) in sorted(stats.items()):
                if parent in family:
                    family.add(pid)
            for pid in family:
                total += stats.get(pid, (0, 0.0))[1]
            used[name] = total
        return used

    def issuer(self) -> Any:
        """identity's own signing key, for tokens that outlive the seeding (identity's last 10 minutes)."""
        from loket.identity.adapters.tokens import SigningKeys, TokenIssuer

        if self._issuer is None:
            keys = SigningKeys(self.var / "identity-keys")
            lifetime = timedelta(hours=2)
            self._issuer = TokenIssuer(keys, issuer=self.url["identity"], region=self.region, lifetime=lifetime)
        return self._issuer

    async def settle(self, *, quiet: float = 0.15, within: float = 600.0) -> float:
        """Wait until the services together use less than `quiet` of a core over 3 s (the seeding's events
        and mails handled, the previous rush's confirmations sent); return the seconds waited."""
        began = time.monotonic()
        while time.monotonic() - began < within:
            before = sum(self.cpu_seconds().values())
            await asyncio.sleep(3)
            if sum(self.cpu_seconds().values()) - before < 3 * quiet:
                break
        return time.monotonic() - began

    def staff(self, role: str, school: str | None = None) -> str:
        from loket.contracts.tokens import Role, Scope

        scope = Scope(schools=(school,) if school else ())
        return str(self.issuer().issue(subject=f"rush-{role}", role=Role(role), scope=scope).token)

    async def call(self, service: str, method: str, path: str, token: str | None, **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        answer = await self.client.request(method, self.url[service] + path, headers=headers, **kwargs)
        if answer.status_code >= 300:
            raise SystemExit(f"{method} {service}{path}: {answer.status_code} {answer.text[:500]}")
        return answer.json() if answer.content else None

    async def seed(self, count: int) -> list[Seeded]:
        """`count` pupils of the primary school with a final advice, each parent's login sent; returned
        once aanmelding has heard every advice and every activation mail has arrived."""
        started = time.monotonic()
        admin, school = self.staff("region_admin"), self.staff("school_admin", SCHOOL)
        stamp = uuid.uuid4().hex[:6]
        groups = [f"r{stamp}{g}" for g in range(-(-count // GROUP_SIZE))]
        ids = {}
        school_body = {"brin": SCHOOL, "name": "Rushschool", "sector": "primary", "contact_email": "rush@example.org"}
        known_school = await self.client.get(f"{self.url['dossier']}/schools/{SCHOOL}", headers=bearer(admin))
        if known_school.status_code == 404:
            await self.call("dossier", "POST", "/schools", admin, json=school_body)
        for group in groups:
            made = await self.call(
                "dossier", "POST", f"/schools/{SCHOOL}/groups", admin, json={"name": group, "year_level": 8}
            )
            ids[group] = made["id"]
        pupils: dict[str, Seeded] = {}
        gate = asyncio.Semaphore(1)  # one import at a time: dossier takes each in one transaction

        async def imported(g: int, group: str) -> None:
            rows = ["leerlingnummer;roepnaam;achternaam;geboortedatum;groep;ouder1_email"]
            for i in range(g * GROUP_SIZE, min(count, (g + 1) * GROUP_SIZE)):
                born = f"{1 + i % 28:02d}-{1 + (i // 28) % 12:02d}-2014"
                rows.append(f"{stamp}{i:05d};Kind {i};Rush {stamp};{born};{group};ouder.{stamp}.{i}@example.org")
            async with gate:
                report = await self.call(
                    "dossier", "POST", f"/schools/{SCHOOL}/pupil-import", school,
                    content=("\n".join(rows) + "\n").encode(), headers={"Content-Type": "text/csv"},
                )  # fmt: skip
            if report["failed"]:
                raise SystemExit(f"the pupil import refused rows: {report['failed'][:3]}")
            for created in report["created"]:
                i = int(created["pupil_number"][len(stamp) :])
                born = f"2014-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}"
                pupils[created["pupil_id"]] = Seeded(
                    created["pupil_id"], created["elk_number"], born, f"ouder.{stamp}.{i}@example.org"
                )

        await asyncio.gather(*(imported(g, group) for g, group in enumerate(groups)))
        print(f"  {count} pupils imported ({time.monotonic() - started:.0f} s)", file=sys.stderr)

        async def known(group: str) -> bool:
            found = await self.call(
                "dossier", "GET", "/pupils", school, params={"school": SCHOOL, "group": group, "limit": 500}
            )
            if all(pupil["parent_logins"] and pupil["parent_logins"][0]["changed_at"] for pupil in found):
                return True
            await asyncio.sleep(2)  # a list of 250 asked for ten times a second would slow the seeding down
            return False

        gate = asyncio.Semaphore(32)

        async def advise(pupil_id: str) -> None:
            async with gate:
                body = {"level": ADVICE, "motivation": "Rush."}
                await self.call("dossier", "PUT", f"/pupils/{pupil_id}/final-advice", school, json=body)

        await asyncio.gather(*(advise(pupil_id) for pupil_id in pupils))
        print(f"  final advices given ({time.monotonic() - started:.0f} s)", file=sys.stderr)

        async def send_logins(group: str) -> None:
            await eventually(lambda: known(group), within=900, what="identity to know every pupil")
            await self.call("dossier", "POST", f"/groups/{ids[group]}/parent-logins", school, json={})

        await asyncio.gather(*(send_logins(group) for group in groups))
        addresses = {pupil.address for pupil in pupils.values()}
        assert self.mail is not None

        async def mailed() -> bool:
            return len(addresses & {to for _, to, _ in self.mail.mails()}) == len(addresses)  # type: ignore[union-attr]

        await eventually(mailed, within=900, what="every activation mail")
        print(f"  activation mails arrived ({time.monotonic() - started:.0f} s)", file=sys.stderr)

        async def open_for_all(g: int, group: str) -> bool:
            seen = await self.call("aanmelding", "GET", f"/schools/{SCHOOL}/pupils", school, params={"group": group})
            expected = min(count, (g + 1) * GROUP_SIZE) - g * GROUP_SIZE
            if sum(1 for row in seen if row["readiness"] == "open") >= expected:
                return True
            await asyncio.sleep(2)
            return False

        heard = "aanmelding to hear every final advice"
        await asyncio.gather(
            *(
                eventually(lambda g=g, group=group: open_for_all(g, group), within=900, what=heard)
                for g, group in enumerate(groups)
            )
        )
        accounts = await self.accounts()
        ready = [
            Seeded(p.pupil_id, p.elk_number, p.birth_date, p.address, accounts[p.pupil_id]) for p in pupils.values()
        ]
        print(f"  seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        return ready

    async def accounts(self) -> dict[str, str]:
        """Each pupil's first parent account, from identity's database."""
        url = self.services["identity"].database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch("SELECT id, pupil_id FROM parent_account WHERE parent = 1")
        finally:
            await connection.close()
        return {str(row["pupil_id"]): str(row["id"]) for row in rows}

    def parent_headers(self, pupil: Seeded) -> dict[str, str]:
        from loket.contracts.tokens import Role, Scope

        scope = Scope(pupil=uuid.UUID(pupil.pupil_id))
        return bearer(self.issuer().issue(subject=pupil.account_id, role=Role.PARENT, scope=scope).token)


__all__ = ["PASSWORD", "SCHOOL", "MailCatcher", "RushRegion", "Seeded"]

if __name__ == "__main__" and sys.argv[1:2] == ["smtp"]:
    serve_smtp(int(sys.argv[2]), sys.argv[3])
