"""A notificatie with two schools' pupils and their messages, a caller for every kind of role, and a
stand-in for aanmelding and dossier (`Recorded`) that answers what they recorded of each pupil."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from loket_test_support import SmtpServer, TokenAuthority, deliver

from loket.contracts.envelope import new_envelope
from loket.contracts.events import ActivationIssued, EventPayload, InvitationIssued, PupilRegistered
from loket.contracts.runtime.link_sealing import LinkSealer
from loket.contracts.runtime.sealing import new_key
from loket.contracts.runtime.service import Runtime
from loket.notificatie.app import build
from loket.notificatie.settings import NotificatieSettings

OWN_SCHOOL, OTHER_SCHOOL = "12AB01", "34CD02"
OWN_BOARD = "BG-41"
LINK = "https://loket.example/activate/c2VjcmV0LWxpbmstdGhhdC1tdXN0LW5vdC1iZS1zaG93bg"
INVITATION_LINK = "https://loket.example/invitation/aW52aXRhdGlvbi10b2tlbg"
LINK_KEY = new_key()  # LOKET_LINK_KEY of every notificatie here (conftest.py sets it), as identity seals with it


def sealed(link: str, event: type[EventPayload], account_id: UUID) -> str:
    """`link` as identity seals it into `event`."""
    return LinkSealer(LINK_KEY, Path("unused")).seal(link, event.event_type, account_id)


def activation_issued(pupil_id: UUID, recipient: str, link: str = LINK, **more: Any) -> ActivationIssued:
    """identity's event of a parent's activation link, the link sealed."""
    account = uuid4()
    fields = {"username": "10001", "expires_at": datetime(2026, 12, 7, 9, 0, tzinfo=UTC)} | more
    return ActivationIssued(
        account_id=account,
        pupil_id=pupil_id,
        recipient=recipient,
        sealed_activation_url=sealed(link, ActivationIssued, account),
        **fields,
    )


@dataclass
class World:
    runtime: Runtime
    client: httpx.AsyncClient
    authority: TokenAuthority
    noor: UUID  # a pupil of OWN_SCHOOL
    daan: UUID  # a pupil of OTHER_SCHOOL
    recorded: "Recorded"  # aanmelding and dossier, as notificatie reads them
    waiting: dict[str, list[str]] = field(default_factory=dict)  # prepared letters' ids by school, for a test

    async def get(self, path: str, role: str | None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(role)}"} if role else {}
        return await self.client.get(path, headers=headers, params=params)

    async def post(self, path: str, role: str | None, body: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(role)}"} if role else {}
        return await self.client.post(path, headers=headers, json=body)

    async def delete(self, path: str, role: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(role)}"} if role else {}
        return await self.client.delete(path, headers=headers)

    def token(self, role: str) -> str:
        mint = self.authority.mint
        return {
            "region_admin": lambda: mint(role="region_admin"),
            "board_contact": lambda: mint(role="board_contact", scope={"board": OWN_BOARD, "schools": [OWN_SCHOOL]}),
            "school_admin": lambda: mint(role="school_admin", scope={"schools": [OWN_SCHOOL]}),
            "school_user_no_group": lambda: mint(role="school_user", scope={"schools": [OWN_SCHOOL]}),
            "school_user_in_group": lambda: mint(role="school_user", scope={"schools": [OWN_SCHOOL], "groups": ["8a"]}),
            "parent_of_pupil": lambda: mint(role="parent", scope={"pupil": str(self.noor)}),
            "parent_of_other": lambda: mint(role="parent", scope={"pupil": str(self.daan)}),
        }[role]()


def settings(database_url: str, smtp: SmtpServer, authority: TokenAuthority) -> NotificatieSettings:
    return NotificatieSettings(
        LOKET_NOTIFICATIE_DATABASE_URL=database_url,
        LOKET_NOTIFICATIE_SMTP_PORT=smtp.port,
        LOKET_NOTIFICATIE_SMTP_TIMEOUT=5,
        identity_url=authority.url,
        token_issuer=authority.issuer,
        LOKET_NOTIFICATIE_AANMELDING_URL="http://aanmelding.test",
        LOKET_NOTIFICATIE_DOSSIER_URL="http://dossier.test",
    )


def activation(pupil_id: UUID, recipient: str) -> ActivationIssued:
    return activation_issued(pupil_id, recipient)


class Recorded:
    """aanmelding's `GET /pupils/{id}/registration` and dossier's `GET /pupils/{id}` for notificatie's
    documents, as an httpx transport: each pupil's registration as submitted, unless a test changes it;
    `refusals` answers a service's refusal instead (`{"aanmelding": (403, {...})}`). Every request is kept
    in `asked`, with the token it carried. It grants every caller: the real services' checks are tested
    in tests/e2e/test_documents_from_record.py."""

    def __init__(self) -> None:
        self.registrations: dict[str, dict[str, Any] | None] = {}
        self.pupils: dict[str, dict[str, Any]] = {}
        self.refusals: dict[str, tuple[int, dict[str, Any]]] = {}
        self.received: dict[str, list[UUID]] = {}  # aanmelding's registrations per secondary school
        self.asked: list[tuple[str, str]] = []  # (url, Authorization)
        self.transport = httpx.MockTransport(self.answer)

    def add(self, pupil: UUID, school: str, name: tuple[str, str] = ("Noor", "de Vries")) -> None:
        self.pupils[str(pupil)] = {
            "id": str(pupil),
            "elk_number": "10001",
            "given_name": name[0],
            "family_name": name[1],
            "school_brin": school,
            "birth_date": "2014-03-09",
        }
        self.registrations[str(pupil)] = {
            "id": str(uuid4()),
            "pupil_id": str(pupil),
            "state": "submitted",
            "advice": "havo/vwo",
            "preferences": [
                {"program": "LYC-HV", "program_name": "havo/vwo", "school_brin": "94AB00", "school_name": "Het Lyceum"},
                {"program": "COL-H", "program_name": "havo", "school_brin": "95CD00", "school_name": "Het College"},
            ],
            "priority": {"kind": "sibling", "at": "LYC-HV", "sibling_name": "Ali", "sibling_class": "2b"},
            "signed_by": "J. de Vries",
            "goes_to": "94AB00",
            "submitted_at": "2027-03-10T13:05:00Z",
        }

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.asked.append((str(request.url), request.headers.get("Authorization", "")))
        service = "aanmelding" if request.url.host == "aanmelding.test" else "dossier"
        if service in self.refusals:
            status, body = self.refusals[service]
            return httpx.Response(status, json=body)
        if request.url.path.startswith("/schools/"):
            school = request.url.path.split("/")[2]
            rows = [{"pupil_id": str(pupil)} for pupil in self.received.get(school, [])]
            return httpx.Response(200, json=rows) if school in self.received else httpx.Response(404, json={})
        pupil = request.url.path.split("/")[2]
        if pupil not in self.pupils:
            return httpx.Response(404, json={"detail": "pupil not found"})
        if service == "dossier":
            return httpx.Response(200, json=self.pupils[pupil])
        current = self.registrations[pupil]
        return httpx.Response(200, json={"readiness": "open", "advice": "havo/vwo", "current": current, "history": []})


async def world(database_url: str, smtp: SmtpServer, authority: TokenAuthority) -> World:
    recorded = Recorded()
    runtime, app = build(settings(database_url, smtp, authority), records_transport=recorded.transport)
    noor, daan = uuid4(), uuid4()
    recorded.add(noor, OWN_SCHOOL)
    recorded.add(daan, OTHER_SCHOOL, ("Daan", "Bakker"))
    for pupil, school, parent in (
        (noor, OWN_SCHOOL, "ouder.noor@example.org"),
        (daan, OTHER_SCHOOL, "ouder.daan@example.org"),
    ):
        await deliver(
            runtime, PupilRegistered(pupil_id=pupil, elk_number="10001", school_brin=school, parent_email=parent)
        )
        await deliver(runtime, activation(pupil, parent))
    staff = uuid4()
    await deliver(
        runtime,
        InvitationIssued(
            account_id=staff,
            username="juf@school.example",
            role="school_user",
            school_brin=OWN_SCHOOL,
            recipient="juf@school.example",
            sealed_invitation_url=sealed(
                "https://loket.example/invitation/aW52aXRhdGlvbi10b2tlbg", InvitationIssued, staff
            ),
            expires_at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
        ),
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://notificatie")
    return World(runtime, client, authority, noor, daan, recorded)


async def twice(runtime, payload) -> None:  # type: ignore[no-untyped-def]
    envelope = new_envelope(payload, region="demo")
    assert await deliver(runtime, payload, envelope) is True
    assert await deliver(runtime, payload, envelope) is False  # the inbox knows it: no second mail
