"""What aanmelding recorded of a pupil's registration and what dossier keeps of the pupil, read over HTTP
with the caller's own bearer token, so that aanmelding's and dossier's access checks decide who sees it
(a parent reaches only their own child). The registration documents are printed from these answers,
never from what a caller sends (`application/documents.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, RootModel, ValidationError

from loket.contracts.errors import Forbidden, NotFound, Problem

M = TypeVar("M", bound=BaseModel)


class Unanswered(Problem):
    """aanmelding or dossier refused the caller (401, 403 or 404), or gave no usable answer (502, 503): the
    caller's answer is theirs, with their status, as `{"detail", "code"}` (the `detail` names the service)."""

    code: str

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail, code=code)

    @property
    def detail(self) -> str:
        return str(self)

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code}


class NotSignedInThere(Unanswered):
    status = 401


class RefusedThere(Unanswered, Forbidden):
    pass


class UnknownThere(Unanswered, NotFound):
    pass


class BadAnswer(Unanswered):
    status = 502


class NoAnswer(Unanswered):
    status = 503


PASSED_ON: dict[int, tuple[type[Unanswered], str]] = {  # aanmelding's or dossier's refusal is the caller's answer
    401: (NotSignedInThere, "unauthorized"),
    403: (RefusedThere, "forbidden"),
    404: (UnknownThere, "not_found"),
}


class RecordedChoice(BaseModel):
    program: str
    program_name: str
    school_brin: str
    school_name: str


class RecordedRegistration(BaseModel):
    """A registration as aanmelding answers it (`GET /pupils/{id}/registration`): only what is printed."""

    id: UUID
    state: str
    advice: str
    preferences: list[RecordedChoice]
    priority: dict[str, Any] | None
    goes_to: str | None
    submitted_at: datetime | None


class RecordedRegistrations(BaseModel):
    current: RecordedRegistration | None


class RecordedPupil(BaseModel):
    """The pupil as dossier answers it (`GET /pupils/{id}`): only what is printed."""

    elk_number: str
    given_name: str
    family_name: str
    school_brin: str


class Received(BaseModel):
    pupil_id: UUID


class ReceivedList(RootModel[list[Received]]):
    """A secondary school's registrations as aanmelding lists them (`GET /schools/{brin}/registrations`)."""


class Records:
    def __init__(
        self, aanmelding_url: str, dossier_url: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.urls = {"aanmelding": aanmelding_url.rstrip("/"), "dossier": dossier_url.rstrip("/")}
        self.transport = transport  # a test's stand-in for both services; None: the network

    async def registration(self, pupil_id: UUID, authorization: str) -> RecordedRegistration | None:
        """The pupil's current registration (None: none begun, or the last one withdrawn)."""
        found = await self._read("aanmelding", f"/pupils/{pupil_id}/registration", authorization)
        return self._parsed("aanmelding", RecordedRegistrations, found).current

    async def pupil(self, pupil_id: UUID, authorization: str) -> RecordedPupil:
        found = await self._read("dossier", f"/pupils/{pupil_id}", authorization)
        return self._parsed("dossier", RecordedPupil, found)

    async def received_by(self, school: str, authorization: str) -> set[UUID]:
        """The pupils whose registrations the secondary school received or was given by the lottery, as
        aanmelding lets this caller see them (none for a school aanmelding does not let it reach)."""
        try:
            found = await self._read("aanmelding", f"/schools/{school}/registrations", authorization)
        except (RefusedThere, UnknownThere):
            return set()
        return {received.pupil_id for received in self._parsed("aanmelding", ReceivedList, found).root}

    async def _read(self, service: str, path: str, authorization: str) -> Any:
        try:
            async with httpx.AsyncClient(transport=self.transport, timeout=10.0, trust_env=False) as client:
                answer = await client.get(self.urls[service] + path, headers={"Authorization": authorization})
        except httpx.HTTPError as exc:
            raise NoAnswer(f"{service} did not answer: {exc.__class__.__name__}", code="unavailable") from None
        if answer.status_code in PASSED_ON:
            refusal, default_code = PASSED_ON[answer.status_code]
            detail, code = _refusal(answer)
            raise refusal(f"{service}: {detail}", code=code or default_code)
        if answer.status_code != 200:
            raise BadAnswer(f"{service} answered {answer.status_code}", code="bad_gateway")
        try:
            return answer.json()
        except ValueError:
            raise BadAnswer(f"{service} answered no JSON", code="bad_gateway") from None

    @staticmethod
    def _parsed(service: str, model: type[M], found: Any) -> M:
        try:
            return model.model_validate(found)
        except ValidationError:
            raise BadAnswer(f"{service} answered in an unexpected shape", code="bad_gateway") from None


def _refusal(answer: httpx.Response) -> tuple[str, str | None]:
    """The refusal's `detail`, and its `code` where the service gives one (aanmelding does)."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    detail, code = body.get("detail"), body.get("code")
    return (detail if isinstance(detail, str) else answer.reason_phrase), (code if isinstance(code, str) else None)
