"""Who reaches what. A pupil, a school or a registration out of the caller's reach is answered as if it
did not exist (NotFound); one the caller reaches but may not act on, Forbidden."""

from __future__ import annotations

from uuid import UUID

from loket.aanmelding.domain.procedure import Procedure, Round
from loket.aanmelding.persistence.models import PupilEligibility
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import Forbidden, NotFound
from loket.contracts.tokens import Claims, Role

SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.SCHOOL_USER)


def reach(claims: Claims, brin: str, *, act: bool = False, secondary: bool = False) -> None:
    """The caller reaches the school (`act`: and is its own staff; `secondary`: as a secondary school)."""
    if not claims.reaches_school(brin):
        raise NotFound("no such school within your reach", code="school_not_found", school=brin)
    if secondary:
        refuse_group_limited(claims)
    if act and claims.role not in SCHOOL_STAFF:
        raise Forbidden(
            f"a {claims.role} reads along; the school's own staff decide", code="school_staff_only", role=claims.role
        )


def refuse_group_limited(claims: Claims) -> None:
    """Groups are a primary school's: a school user whose token limits them to some groups has no
    secondary school's registrations to read."""
    if claims.role == Role.SCHOOL_USER and claims.scope.groups:
        raise Forbidden(
            "a user limited to groups sees the pupils of those groups, not a secondary school's lists",
            code="groups_limited",
        )


def region_only(claims: Claims, refusal: str) -> None:
    """The region administrator only (not while someone looks along)."""
    if claims.role != Role.REGION_ADMIN or claims.act is not None:
        raise Forbidden(refusal, code="region_only")


def region_round(procedure: Procedure, claims: Claims, round_code: str, refusal: str) -> Round:
    """A round of the procedure, for the region administrator only."""
    region_only(claims, refusal)
    round_ = next((round_ for round_ in procedure.rounds if round_.code == round_code), None)
    if round_ is None:
        raise NotFound(f"no round {round_code!r} in this procedure", code="round_not_found", round=round_code)
    return round_


async def reached_pupil(store: Repositories, claims: Claims, pupil_id: UUID) -> PupilEligibility | None:
    """What aanmelding knows of a pupil the caller reaches: the parent their own child (None: nothing known
    yet); staff a pupil of a school they reach, a teacher of some groups a pupil of those."""
    eligibility = await store.pupils.get(pupil_id)
    if claims.role == Role.PARENT:
        if claims.scope.pupil != pupil_id:
            raise NotFound("no such pupil", code="pupil_not_found")
        return eligibility
    if eligibility is None or not claims.reaches_school(eligibility.school_brin):
        raise NotFound("no such pupil", code="pupil_not_found")
    if not await store.teaching.sees_pupil(claims, eligibility):
        raise NotFound("no such pupil in your groups", code="pupil_not_in_your_groups")
    return eligibility


async def as_parent(store: Repositories, claims: Claims, pupil_id: UUID) -> PupilEligibility | None:
    """The pupil, for its parent to take a step (not someone looking along)."""
    eligibility = await reached_pupil(store, claims, pupil_id)
    if claims.role != Role.PARENT or claims.act is not None:
        raise Forbidden(
            "only the pupil's parent registers; the school helps, or uses the paper form", code="parent_only"
        )
    return eligibility


async def pupil_of_mine(store: Repositories, claims: Claims, pupil_id: UUID) -> PupilEligibility:
    """A pupil of the caller's primary school (a teacher of some groups: of one of them), to act on."""
    eligibility = await store.pupils.get(pupil_id)
    if eligibility is None:
        raise NotFound("no such pupil", code="pupil_not_found")
    reach(claims, eligibility.school_brin, act=True)
    if not await store.teaching.sees_pupil(claims, eligibility):
        raise NotFound("no such pupil in your groups", code="pupil_not_in_your_groups")
    return eligibility
