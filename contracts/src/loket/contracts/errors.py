"""One vocabulary for why a service says no, and one handler that answers it over HTTP.

Use cases and domain code raise these (the module imports no framework); `Runtime.http_app` installs
`loket.contracts.runtime.errors.answer_problem` for every service, so no route translates refusals.

- `NotFound` (404): no such object, or one the caller may not know exists: the same answer for both.
- `Forbidden` (403): the caller reaches the object but may not do this with it.
- `Conflict` (409): the object's state does not allow this (it exists already, it is locked).
- `NotNow` (409): not in this state or not in this window (a round not open, a result not published).
- `Invalid` (422): what is wrong and where, one `Where` per problem, as FastAPI's own 422 says it.

A refusal may carry a stable snake_case `code` (and the values its sentence needs, `ctx`) for a
portal to translate; the body is then `{"detail", "code", "ctx"}`, otherwise `{"detail"}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


class Problem(Exception):
    """A refusal: nothing changed. `status` is its HTTP status, `headers` any it needs."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, *, code: str | None = None, **ctx: Any) -> None:
        super().__init__(message)
        self.code = code
        self.ctx = ctx
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        if self.code is None:
            return {"detail": str(self)}
        return {"detail": str(self), "code": self.code, "ctx": self.ctx}


class NotFound(Problem):
    status = 404


class Forbidden(Problem):
    status = 403


class Conflict(Problem):
    """`missing`: what has to be done first (a checklist), when the state is incomplete rather than wrong."""

    status = 409

    def __init__(
        self, message: str, *, code: str | None = None, missing: list[dict[str, Any]] | None = None, **ctx: Any
    ) -> None:
        super().__init__(message, code=code, **ctx)
        self.missing = list(missing or [])

    def body(self) -> dict[str, Any]:
        if self.missing:
            return {"detail": {"message": str(self), "missing": self.missing}}
        return super().body()


class NotNow(Conflict):
    pass


@dataclass(frozen=True)
class Where:
    """One problem of a request: `where` the field in the request's own terms (`preferences.2`,
    `priority.at`), `what` in English, `code` a stable snake_case name, `ctx` the values it needs."""

    where: str
    what: str
    code: str = "value_error"
    ctx: dict[str, Any] | None = field(default=None)

    def loc(self) -> list[str | int]:
        return ["body", *(int(part) if part.isdigit() else part for part in self.where.split(".") if part)]


class Invalid(Problem):
    status = 422

    def __init__(self, where: str | list[Where], what: str = "", *, code: str = "value_error", **ctx: Any) -> None:
        self.problems = where if isinstance(where, list) else [Where(where, what, code, ctx or None)]
        super().__init__("; ".join(f"{problem.where}: {problem.what}" for problem in self.problems))
        self.code = code

    @property
    def field(self) -> str:
        return self.problems[0].where

    @property
    def problem(self) -> str:
        return self.problems[0].what

    def body(self) -> dict[str, Any]:
        return {
            "detail": [
                {
                    "loc": problem.loc(),
                    "msg": problem.what,
                    "type": problem.code,
                    **({} if problem.ctx is None else {"ctx": problem.ctx}),
                }
                for problem in self.problems
            ]
        }
