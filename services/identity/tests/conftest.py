from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pyotp
import pytest
from loket_test_support import deliver
from sqlalchemy import select
from sqlmodel import col
from sqlmodel import select as select_models

from loket.contracts.events import CATALOG, EventPayload, ParentLoginRequested, PupilRegistered
from loket.contracts.runtime.link_sealing import LinkSealer
from loket.contracts.runtime.sealing import new_key
from loket.identity.app import build
from loket.identity.persistence.models import AuditEvent, StaffAccount, messaging
from loket.identity.settings import IdentitySettings

PASSWORD = "zomer-2026-fiets"
ACTIVATION_ISSUED = "identity.activation.issued.v2"
STATE_CHANGED = "identity.parent_login.state_changed.v1"
SCHOOL, SCHOOL_NAME, BIRTH_DATE = "12AB01", "De Regenboog", date(2014, 3, 9)
ANSWERS = {"school": SCHOOL, "birth_date": BIRTH_DATE.isoformat()}  # what the parent answers at activation
LINK_KEY = new_key()  # LOKET_LINK_KEY, as identity and notificatie share it


def opened_link(row) -> str:  # type: ignore[no-untyped-def]
    """The link sealed in one of identity's link events in the outbox, opened as notificatie opens it."""
    payload, event = row.body["payload"], CATALOG[row.routing_key]
    [sealed] = [value for name, value in payload.items() if name.startswith("sealed_")]
    return LinkSealer(LINK_KEY, Path("unused")).open(sealed, event.event_type, UUID(payload["account_id"]))


def new_pupil(elk_number: str = "10001") -> PupilRegistered:
    return PupilRegistered(
        pupil_id=uuid4(), elk_number=elk_number, school_brin=SCHOOL, parent_email="ouder@example.org"
    )


def login_requested(elk_number: str = "10001", **changes) -> ParentLoginRequested:  # type: ignore[no-untyped-def]
    """The school asks for a parent's login: by default the first parent's, of a new pupil."""
    fields = {
        "pupil_id": uuid4(),
        "parent": 1,
        "elk_number": elk_number,
        "school_brin": SCHOOL,
        "school_name": SCHOOL_NAME,
        "birth_date": BIRTH_DATE,
        "parent_email": "ouder@example.org",
        "language": "nl",
    }
    return ParentLoginRequested(**(fields | changes))


@pytest.fixture
def pupil_registered():  # type: ignore[no-untyped-def]
    """Make a `dossier.pupil.registered` payload for a new pupil."""
    return new_pupil


@pytest.fixture
def parent_login_requested():  # type: ignore[no-untyped-def]
    """Make a `dossier.parent_login.requested` payload."""
    return login_requested


class Authenticator:
    """The staff member's phone: TOTP codes, each of a time step not used before (identity refuses a replay)."""

    def __init__(self) -> None:
        self.last_step: dict[str, int] = {}

    def code(self, secret: str) -> str:
        totp = pyotp.TOTP(secret)
        step = totp.timecode(datetime.now(UTC))
        step = max(step, self.last_step.get(secret, step - 1) + 1)
        self.last_step[secret] = step
        return totp.generate_otp(step)


class Identity:
    def __init__(self, runtime, app, client):  # type: ignore[no-untyped-def]
        self.runtime = runtime
        self.app = app
        self.client = client
        self.phone = Authenticator()

    async def deliver(self, payload: EventPayload, envelope=None) -> bool:  # type: ignore[no-untyped-def]
        return await deliver(self.runtime, payload, envelope)

    async def ask_parent_login(self, elk_number: str = "10001", **changes) -> str:  # type: ignore[no-untyped-def]
        """The school asks for a parent's login; returns the path of the mailed activation link."""
        requested = login_requested(elk_number, **changes)
        await self.deliver(requested)
        return await self.activation_link(requested.elk_number if requested.parent == 1 else f"{elk_number}-2")

    async def activation_link(self, username: str) -> str:
        """The path of the newest activation link of `username`."""
        issued = [row for row in await self.outbox(ACTIVATION_ISSUED) if row.body["payload"]["username"] == username]
        return "/activate/" + opened_link(issued[-1]).rsplit("/", 1)[1]

    async def activate(  # type: ignore[no-untyped-def]
        self, link: str, password: str = PASSWORD, *, client=None, headers=None, **answers
    ) -> httpx.Response:
        """The parent answers the questions (right ones unless given) and chooses a password."""
        form = ANSWERS | answers | {"password": password, "password_repeat": password}
        return await (client or self.client).post(link, data=form, headers=headers)

    async def dots(self) -> list[tuple[str, int, str, int]]:
        """The dots identity told the school: (pupil, parent, state, revision), in order."""
        return [
            (row.body["payload"]["pupil_id"], *(row.body["payload"][key] for key in ("parent", "state", "revision")))
            for row in await self.outbox(STATE_CHANGED)
        ]

    def other_client(self, address: str) -> httpx.AsyncClient:
        """A browser at another client address."""
        transport = httpx.ASGITransport(self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="https://identity")

    async def add_staff(  # type: ignore[no-untyped-def]
        self, email, role, *, school=None, board=None, groups=(), password=PASSWORD, totp=False, state="activated"
    ) -> StaffAccount:
        """A staff account as if it had been invited and had set its password (and enrolled TOTP)."""
        now = datetime.now(UTC)
        passwords = self.app.state.passwords
        account = StaffAccount(
            email=email,
            role=role,
            school_brin=school,
            board=board,
            groups=list(groups),
            state=state,
            password_hash=None if password is None else passwords.hash(password),
            totp_secret=pyotp.random_base32() if totp else None,
            totp_confirmed_at=now if totp else None,
            created_at=now,
            activated_at=now if state == "activated" else None,
        )
        async with self.runtime.database.transaction() as session:
            session.add(account)
        return account

    async def set_board_schools(self, board: str, *schools: str) -> None:
        from loket.identity.persistence.staff import Staff

        async with self.runtime.database.transaction() as session:
            await Staff(session).set_board_schools(board, schools)

    async def log_in(  # type: ignore[no-untyped-def]
        self, account, password=PASSWORD, *, client=None, code=...
    ) -> httpx.Response:
        """POST /login as `account` (a StaffAccount, or a username); by default with the next TOTP code
        if the account has a secret (`code=None`: without a code)."""
        username = account if isinstance(account, str) else account.email
        body = {"username": username, "password": password}
        if code is ... and not isinstance(account, str) and account.totp_secret:
            code = self.phone.code(account.totp_secret)
        if code is not None and code is not ...:
            body["totp_code"] = code
        return await (client or self.client).post("/login", json=body)

    async def token(self, account, **kwargs) -> str:  # type: ignore[no-untyped-def]
        response = await self.log_in(account, **kwargs)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def audit(self, action: str | None = None) -> list[AuditEvent]:
        async with self.runtime.database.transaction() as session:
            query = select_models(AuditEvent).order_by(col(AuditEvent.id))
            if action is not None:
                query = query.where(AuditEvent.action == action)
            return list((await session.exec(query)).all())

    async def outbox(self, routing_key: str | None = None):  # type: ignore[no-untyped-def]
        async with self.runtime.database.transaction() as session:
            rows = (await session.execute(select(messaging.outbox).order_by(messaging.outbox.c.seq))).all()
        return [row for row in rows if routing_key is None or row.routing_key == routing_key]

    async def staff(self, email: str) -> StaffAccount:
        async with self.runtime.database.transaction() as session:
            return (await session.exec(select_models(StaffAccount).where(StaffAccount.email == email))).one()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def identity_settings(database_url: str, tmp_path, **overrides) -> IdentitySettings:  # type: ignore[no-untyped-def]
    return IdentitySettings(
        LOKET_IDENTITY_DATABASE_URL=database_url,
        LOKET_IDENTITY_PUBLIC_URL="https://ouders.loket.example",
        LOKET_IDENTITY_KEYS_DIR=tmp_path / "identity-keys",
        **{"LOKET_LINK_KEY": LINK_KEY, **overrides},
    )


class Clock:
    """identity's clock in a test: it stands still (from the moment it was made, so that TOTP codes of
    the test's phone still fit) until the test moves it on."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(identity) -> Clock:  # type: ignore[no-untyped-def]
    """Stops identity's clock, so that a wait after failed attempts is not run out by slow hashing."""
    clock = Clock()
    identity.runtime.work.clock = clock
    return clock


@pytest.fixture
def identity_overrides() -> dict[str, object]:
    """Settings a test module changes, by their LOKET_IDENTITY_… names."""
    return {}


@pytest.fixture
async def identity(migrated_database_url, tmp_path, identity_overrides):  # type: ignore[no-untyped-def]
    runtime, app = build(identity_settings(migrated_database_url, tmp_path, **identity_overrides))
    # https: the session cookie is Secure, and a browser sends it only over https
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="https://identity") as client:
        yield Identity(runtime, app, client)
    await runtime.database.dispose()
