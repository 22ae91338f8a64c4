"""What dossier's tests share: the service under test and who may call it."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from loket_test_support import TokenAuthority, deliver
from sqlalchemy import select

from loket.contracts.events import RegistrationSubmitted
from loket.dossier.persistence.models import messaging

OWN_SCHOOL, OTHER_SCHOOL = "12AB01", "34CD01"
SECONDARY_SCHOOL = "56EF01"  # a VO school: Noor is registered there
PDF = b"%PDF-1.4\n% a stand-in: its first bytes are what makes a PDF here\n%%EOF\n"
OWN_BOARD, OTHER_BOARD = "BG-1001", "BG-2002"


class Dossier:
    """The service under test, and who may call it."""

    def __init__(self, runtime, client: httpx.AsyncClient, authority: TokenAuthority, app=None) -> None:  # type: ignore[no-untyped-def]
        self.runtime = runtime
        self.client = client
        self.authority = authority
        self.app = app

    def token(self, role: str, subject: str | None = None, **scope: Any) -> dict[str, str]:
        token = self.authority.mint(role=role, sub=subject or f"{role}-1", scope=scope)
        return {"Authorization": f"Bearer {token}"}

    def region_admin(self) -> dict[str, str]:
        return self.token("region_admin")

    def board_contact(self, board: str = OWN_BOARD, schools: tuple[str, ...] = (OWN_SCHOOL,)) -> dict[str, str]:
        return self.token("board_contact", board=board, schools=list(schools))

    def school_admin(self, school: str = OWN_SCHOOL) -> dict[str, str]:
        return self.token("school_admin", schools=[school])

    def school_user(
        self, school: str = OWN_SCHOOL, groups: tuple[str, ...] = (), subject: str | None = None
    ) -> dict[str, str]:
        return self.token("school_user", subject, schools=[school], groups=list(groups))

    def parent(self, pupil: str) -> dict[str, str]:
        return self.token("parent", f"parent-of-{pupil}", pupil=pupil)

    async def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, headers=headers, **kwargs)


def pupil(given_name: str, family_name: str, school: str = OWN_SCHOOL, group: str | None = None) -> dict[str, Any]:
    return {
        "given_name": given_name,
        "family_name": family_name,
        "birth_date": "2014-03-09",
        "school_brin": school,
        "parent_email": f"ouder.{given_name.lower()}@example.org",
        "group": group,
    }


async def organisation(dossier: Dossier) -> None:
    """Two boards with a school each; the own school has groups 8a (teacher `t-8a`) and 8b."""
    admin = dossier.region_admin()
    for code, school in [(OWN_BOARD, OWN_SCHOOL), (OTHER_BOARD, OTHER_SCHOOL)]:
        await dossier.call("POST", "/boards", admin, json={"code": code, "name": f"Stichting {code}"})
        await dossier.call("POST", "/schools", admin, json={"brin": school, "name": f"School {school}", "board": code})
    for name, teachers in [("8a", ["t-8a"]), ("8b", ["t-8b"])]:
        group = {"name": name, "year_level": 8, "teachers": teachers}
        assert (await dossier.call("POST", f"/schools/{OWN_SCHOOL}/groups", admin, json=group)).status_code == 201


async def published(dossier: Dossier, event_type: str) -> list[dict[str, Any]]:
    """The payloads of one kind of event dossier put in its outbox, in order."""
    async with dossier.runtime.database.transaction() as session:
        rows = (await session.execute(select(messaging.outbox.c.body).order_by(messaging.outbox.c.seq))).scalars()
        return [body["payload"] for body in rows if body["type"] == event_type]


async def register(dossier: Dossier, body: dict[str, Any]) -> str:
    response = await dossier.call("POST", "/pupils", dossier.region_admin(), json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def registered_with(dossier: Dossier, pupil_id: str, *schools: str) -> UUID:
    """aanmelding's word that the pupil's registration went to these secondary schools."""
    registration = uuid4()
    submitted = RegistrationSubmitted(
        pupil_id=UUID(pupil_id), registration_id=registration, school_brins=schools, submitted_at=datetime.now(UTC)
    )
    assert await deliver(dossier.runtime, submitted)
    return registration


@dataclass(frozen=True)
class World:
    """Two boards, each with a school; pupils Noor (own school, 8a, registered with the secondary school),
    Sem (own school, 8b) and Daan (the other school, its 8a)."""

    noor: str
    sem: str
    daan: str
    own_group: str
    foreign_group: str
    noor_attachment: str = ""
    daan_attachment: str = ""
    noor_question: str = ""
    daan_question: str = ""


async def world(dossier: Dossier, noor_bsn: str | None = None) -> World:
    await organisation(dossier)
    admin = dossier.region_admin()
    foreign = await dossier.call("POST", f"/schools/{OTHER_SCHOOL}/groups", admin, json={"name": "8a"})
    own = await dossier.call("GET", f"/schools/{OWN_SCHOOL}/groups", admin)
    the_world = World(
        noor=await register(dossier, {**pupil("Noor", "de Vries", group="8a"), "bsn": noor_bsn}),
        sem=await register(dossier, pupil("Sem", "Jansen", group="8b")),
        daan=await register(dossier, pupil("Daan", "Smit", school=OTHER_SCHOOL, group="8a")),
        own_group=next(group["id"] for group in own.json() if group["name"] == "8a"),
        foreign_group=foreign.json()["id"],
    )
    await registered_with(dossier, the_world.noor, SECONDARY_SCHOOL)
    attached = {}
    for pupil_id, school in [(the_world.noor, OWN_SCHOOL), (the_world.daan, OTHER_SCHOOL)]:
        headers = {**dossier.school_admin(school), "Content-Type": "application/pdf"}
        response = await dossier.client.post(f"/pupils/{pupil_id}/oki-doc/attachments", content=PDF, headers=headers)
        assert response.status_code == 201, response.text
        attached[pupil_id] = response.json()["id"]
    return replace(the_world, noor_attachment=attached[the_world.noor], daan_attachment=attached[the_world.daan])


async def with_questions(dossier: Dossier, the_world: World) -> World:
    """The secondary school asks about Noor; another, where Daan is registered, about Daan."""
    other_secondary = "78GH01"
    await registered_with(dossier, the_world.daan, other_secondary)
    asked = {}
    for pupil_id, school in [(the_world.noor, SECONDARY_SCHOOL), (the_world.daan, other_secondary)]:
        body = {"message": "Hoe gaat het met rekenen?"}
        response = await dossier.call(
            "POST", f"/pupils/{pupil_id}/information-requests", dossier.school_admin(school), json=body
        )
        assert response.status_code == 201, response.text
        asked[pupil_id] = response.json()["id"]
    return replace(the_world, noor_question=asked[the_world.noor], daan_question=asked[the_world.daan])


def roles(dossier: Dossier, world: World) -> dict[str, dict[str, str]]:
    """Every kind of caller, as seen from Noor: staff of her school and board, parents, the staff of the
    secondary school she is registered with, nobody."""
    return {
        "region_admin": dossier.region_admin(),
        "board_contact": dossier.board_contact(OWN_BOARD, (OWN_SCHOOL,)),
        "school_admin": dossier.school_admin(OWN_SCHOOL),
        "school_user_in_group": dossier.school_user(OWN_SCHOOL, ("8a",), subject="teacher-8a"),
        "school_user_other_group": dossier.school_user(OWN_SCHOOL, ("8b",), subject="teacher-8b"),
        "school_user_no_group": dossier.school_user(OWN_SCHOOL, subject="intern-begeleider"),
        "parent_of_pupil": dossier.parent(world.noor),
        "parent_of_other": dossier.parent(world.sem),
        "vo_school_admin": dossier.school_admin(SECONDARY_SCHOOL),
        "vo_school_user": dossier.school_user(SECONDARY_SCHOOL, subject="vo-mentor"),
        "no_token": {},
    }
