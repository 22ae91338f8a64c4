"""A small region for the fuzz tests: the five services in this process (their ASGI apps with their
lifespans, so that broker, outbox relay and consumers run), each on a PostgreSQL database of its own, all
on one RabbitMQ vhost, mailing an SMTP server of the test's; and the ids of real objects in it, made the
way people make them: a school registers a pupil and gives the advice, the parent activates the login
and registers the child, staff accounts exist, loting holds a run.

Every service verifies tokens against one key: identity signs with the `TokenAuthority`'s key (written
into its keys folder), which serves the JWKS the others fetch; so a parent's token from identity's own
activation and a staff token minted here are equally real to all of them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import uvicorn
from cryptography.hazmat.primitives import serialization
from loket_test_support import (
    RoundTimes,
    SmtpServer,
    TokenAuthority,
    activation_link,
    create_database,
    create_vhost,
    delete_vhost,
    drop_database,
    free_port,
    procedure_with_rounds,
)
from schemathesis.python import asgi

SERVICES = ("identity", "dossier", "aanmelding", "loting", "notificatie")
PRIMARY, SECONDARY, BOARD = "12AB01", "94AA00", "BESTUUR-1"
PASSWORD = "een lang genoeg wachtwoord voor de loting"
LOTING_VECTORS = Path(__file__).resolve().parents[2] / "services/loting/tests/vectors"
T = TypeVar("T")


@dataclass
class FuzzRegion:
    apps: dict[str, Any]
    clients: dict[str, asgi.ASGIClient]
    authority: TokenAuthority
    smtp: SmtpServer
    tokens: dict[str, str | None] = field(default_factory=dict)  # role → bearer token (None: no header)
    ids: dict[str, list[str]] = field(default_factory=dict)  # path parameter → real values

    def staff(self, role: str, *, sub: str | None = None, **scope: Any) -> str:
        return self.authority.mint(sub=sub or str(uuid4()), role=role, scope=scope)

    def call(self, service: str, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"} if token else {}
        response = self.clients[service].request(method, path, headers=headers, timeout=30, **kwargs)
        assert response.status_code < 300, f"{service} {method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


def eventually(check: Callable[[], T | None], *, within: float = 30.0, what: str) -> T:
    deadline = time.monotonic() + within
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        time.sleep(0.1)
    return found


def settings_for(service: str, database_url: str, broker_url: str, var: Path, **common: Any) -> Any:
    """The service's settings class, as `make up` would fill it from the environment."""
    from loket.aanmelding.settings import AanmeldingSettings
    from loket.dossier.adapters.bsn import new_key
    from loket.dossier.settings import DossierSettings
    from loket.identity.settings import IdentitySettings
    from loket.loting.settings import LotingSettings
    from loket.notificatie.settings import NotificatieSettings

    shared = {
        "broker_url": broker_url,
        "var_dir": var,
        "relay_poll_interval": 0.2,
        "identity_url": common["identity_url"],
        "token_issuer": common["token_issuer"],
    }
    upper = service.upper()
    own = {f"LOKET_{upper}_DATABASE_URL": database_url}
    if service == "identity":
        return IdentitySettings(
            **shared, **own, LOKET_IDENTITY_PUBLIC_URL=common["token_issuer"], LOKET_IDENTITY_COOKIE_SECURE=False
        )
    if service == "dossier":
        return DossierSettings(**shared, **own, LOKET_DOSSIER_BSN_KEY=new_key())
    if service == "aanmelding":
        procedure = var / "procedure.toml"
        rounds = [RoundTimes(closes=timedelta(days=1), published=timedelta(days=2))]
        procedure.write_text(procedure_with_rounds("demo", datetime.now(UTC), rounds, seats=2))
        return AanmeldingSettings(**shared, **own, LOKET_AANMELDING_PROCEDURE_FILE=procedure)
    if service == "loting":
        return LotingSettings(**shared, **own)
    return NotificatieSettings(
        **shared,
        **own,
        LOKET_NOTIFICATIE_SMTP_PORT=common["smtp_port"],
        LOKET_NOTIFICATIE_AANMELDING_URL=common["served"]["aanmelding"],
        LOKET_NOTIFICATIE_DOSSIER_URL=common["served"]["dossier"],
    )


async def migrated_databases() -> dict[str, tuple[str, str]]:
    from loket.contracts.runtime.migrations import upgrade

    databases = {service: await create_database(f"loket_fuzz_{service}") for service in SERVICES}
    for service, (_, url) in databases.items():  # one at a time: alembic's loading of env.py is not thread-safe
        await asyncio.to_thread(upgrade, f"loket.{service}", url)
    return databases


async def add_staff(database_url: str, role: str, **where: Any) -> str:
    """An activated staff account, as if invited and its password set: identity's staff routes answer
    only for an account they know."""
    from loket.contracts.runtime.database import Database
    from loket.identity.persistence.models import StaffAccount

    database = Database(database_url)
    account = StaffAccount(
        email=f"{role}.{uuid4().hex[:6]}@example.org",
        role=role,
        state="activated",
        created_at=datetime.now(UTC),
        activated_at=datetime.now(UTC),
        **where,
    )
    try:
        async with database.transaction() as session:
            session.add(account)
    finally:
        await database.dispose()
    return str(account.id)


def write_signing_key(authority: TokenAuthority, folder: Path) -> None:
    folder.mkdir(parents=True)
    pem = authority.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (folder / f"{authority.kid}.pem").write_bytes(pem)


@contextmanager
def fuzz_region(var: Path) -> Iterator[FuzzRegion]:
    from loket.aanmelding.app import build as aanmelding
    from loket.dossier.app import build as dossier
    from loket.identity.app import build as identity
    from loket.loting.app import build as loting
    from loket.notificatie.app import build as notificatie

    builders = {"identity": identity, "dossier": dossier, "aanmelding": aanmelding, "loting": loting}
    builders["notificatie"] = notificatie
    with ExitStack() as stack:
        authority = TokenAuthority()
        stack.callback(authority.close)
        smtp = stack.enter_context(SmtpServer())
        vhost, broker_url = create_vhost()
        stack.callback(delete_vhost, vhost)
        databases = asyncio.run(migrated_databases())
        stack.callback(lambda: asyncio.run(drop_all(databases)))
        write_signing_key(authority, var / "identity-keys")
        served = {service: free_port() for service in ("aanmelding", "dossier")}
        common = {
            "identity_url": authority.url,
            "token_issuer": authority.issuer,
            "smtp_port": smtp.port,
            "served": {service: f"http://127.0.0.1:{port}" for service, port in served.items()},
        }
        apps = {
            service: builders[service](settings_for(service, databases[service][1], broker_url, var, **common))[1]
            for service in SERVICES
        }
        stack.callback(asgi.shutdown_lifespans)
        clients = {service: stack.enter_context(asgi.get_client(app)) for service, app in apps.items()}
        for service, port in served.items():
            stack.enter_context(serve_over_http(apps[service], port))
        region = FuzzRegion(apps, clients, authority, smtp)
        populate(region, identity_database=databases["identity"][1])
        yield region


@contextmanager
def serve_over_http(app: Any, port: int) -> Iterator[None]:
    """The app (its lifespan already started) over real HTTP too, on the same event loop as the fuzzer's
    requests: notificatie asks aanmelding and dossier over HTTP."""
    portal = asgi._get_portal()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    done = portal.start_task_soon(server.serve)
    eventually(lambda: server.started, what="uvicorn to listen")
    try:
        yield
    finally:
        server.should_exit = True
        done.result(timeout=10)


async def drop_all(databases: dict[str, tuple[str, str]]) -> None:
    for name, _ in databases.values():
        await drop_database(name)


def populate(region: FuzzRegion, *, identity_database: str) -> None:
    """The objects the fuzzer's path parameters name, and a token for each kind of caller."""
    admin_id = asyncio.run(add_staff(identity_database, "region_admin"))
    school_admin_id = asyncio.run(add_staff(identity_database, "school_admin", school_brin=PRIMARY))
    board_id = asyncio.run(add_staff(identity_database, "board_contact", board=BOARD))
    admin = region.staff("region_admin", sub=admin_id)
    teacher = region.staff("school_user", schools=[PRIMARY])
    region.tokens = {
        "region_admin": admin,
        "school_admin": region.staff("school_admin", sub=school_admin_id, schools=[PRIMARY]),
        "board_contact": region.staff("board_contact", sub=board_id, board=BOARD, schools=[PRIMARY]),
        "teacher": teacher,
        "secondary_school": region.staff("school_user", schools=[SECONDARY]),
        "anonymous": None,
    }

    region.call("dossier", "POST", "/boards", admin, json={"code": BOARD, "name": "Stichting Fuzz"})
    for brin, sector in ((PRIMARY, "primary"), (SECONDARY, "secondary")):
        school = {"brin": brin, "name": f"School {brin}", "board": BOARD, "sector": sector}
        region.call("dossier", "POST", "/schools", admin, json=school)
    group = region.call("dossier", "POST", f"/schools/{PRIMARY}/groups", admin, json={"name": "8a", "year_level": 8})
    birth_date = date(2014, 5, 17)
    pupil = region.call(
        "dossier",
        "POST",
        "/pupils",
        teacher,
        json={
            "given_name": "Fuzz",
            "family_name": "Test",
            "birth_date": birth_date.isoformat(),
            "school_brin": PRIMARY,
            "group": "8a",
            "parent_email": "ouder@example.org",
        },
    )
    pupil_id = pupil["id"]
    region.call("dossier", "PUT", f"/pupils/{pupil_id}/final-advice", teacher, json={"level": "havo"})
    region.call("dossier", "POST", f"/pupils/{pupil_id}/notes", teacher, json={"text": "Een notitie."})

    eventually(
        lambda: region.call("dossier", "GET", f"/pupils/{pupil_id}", teacher)["parent_logins"][0]["changed_at"],
        what="identity to know the pupil",
    )
    region.call("dossier", "POST", f"/pupils/{pupil_id}/parent-login", teacher, json={"parent": 1, "language": "nl"})
    mail = eventually(lambda: region.smtp.inbox.to("ouder@example.org"), what="the activation mail")[-1]
    activation_token = activation_link(mail).rsplit("/", 1)[1]
    answers = {"school": PRIMARY, "birth_date": birth_date.isoformat(), "password": PASSWORD}
    activated = region.clients["identity"].post(
        f"/activate/{activation_token}",
        data={**answers, "password_repeat": PASSWORD},
        headers={"Accept": "application/json"},
    )
    assert activated.status_code == 200, activated.text
    parent = activated.json()["access_token"]
    region.tokens["parent"] = parent

    def open_for_registration() -> bool:
        rows = region.call("aanmelding", "GET", f"/schools/{PRIMARY}/pupils", teacher)
        return any(row["pupil_id"] == pupil_id and row["readiness"] == "open" for row in rows)

    eventually(open_for_registration, what="aanmelding to hear the final advice")
    registration = register(region, pupil_id, parent)

    run = region.call("loting", "POST", "/runs", admin, json=loting_run())
    letters = region.call(
        "notificatie",
        "POST",
        f"/schools/{SECONDARY}/prepared-letters",
        region.tokens["secondary_school"],
        json={
            "send_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "letters": [
                {"pupil_id": pupil_id, "recipient": "ouder@example.org", "parent_name": "Ouder", **LETTER_FIELDS}
            ],
        },
    )
    region.ids = {
        "pupil_id": [pupil_id],
        "brin": [PRIMARY, SECONDARY],
        "registration_id": [registration],
        "round_code": ["ronde-1"],
        "group_id": [group["id"]],
        "account_id": [admin_id, school_admin_id],
        "board": [BOARD],
        "code": [BOARD],
        "run_id": [run["id"]],
        "lottery_id": [run["id"]],
        "letter_id": [letter["id"] for letter in letters][:1],
        "token": [activation_token],
    }


def register(region: FuzzRegion, pupil_id: str, parent: str) -> str:
    base = f"/pupils/{pupil_id}/registration"
    region.call("aanmelding", "POST", base, parent)
    for check in ("pupil-check", "contact-check"):
        region.call("aanmelding", "PUT", f"{base}/{check}", parent, json={"correct": True})
    helper = region.call("aanmelding", "GET", "/procedure/programs", params={"advice": "havo"})
    programs = [program["code"] for program in helper["programs"]][: max(1, helper["length"]["min"])]
    region.call("aanmelding", "PUT", f"{base}/preferences", parent, json={"programs": programs})
    region.call("aanmelding", "PUT", f"{base}/signature", parent, json={"signed_by": "Ouder"})
    return str(region.call("aanmelding", "POST", f"{base}/submission", parent)["id"])


LETTER_FIELDS: dict[str, Any] = {
    "pupil_name": "Fuzz Test",
    "pupil_birth_date": "2014-05-17",
    "case_reference": "FUZZ-1",
    "school_name": "Het Fuzz College",
    "signatory_name": "J. Jansen",
    "signatory_role": "rector",
}


def loting_run() -> dict[str, Any]:
    market = json.loads((LOTING_VECTORS / "01-da-stb-small.market.json").read_text())
    del market["seed"]
    return {"market": market, "seed_sources": [{"kind": "notary"}], "label": "Fuzz: een loting"}
