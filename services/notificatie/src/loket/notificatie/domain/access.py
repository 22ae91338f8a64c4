"""Who sees the delivery status of which messages, free of any framework.

A message about a pupil is seen by the staff who reach the pupil's school, as dossier answers who
reads a pupil: a region administrator, a board contact for its board's schools, the school's
administrator, and a school user who is linked to no group. notificatie does not know a pupil's group,
so a school user linked to groups is refused (403) instead of being shown pupils it may not see.
Parents see nothing here (403): they get the mail itself. A school or pupil the caller does not reach
is answered as if it did not exist (404).

A letter (a placement letter) is mailed only by the school itself: its administrator or a school user
linked to no group, for a pupil the school registered; region administrators and board contacts see
the status but do not send a school's letters (403).

The blank paper form (aanmeldformulier) is printed for the parent of that pupil, and for the staff who
send the school's letters, helping a parent. The control document and the proof of registration are not
decided here: aanmelding and dossier decide, as notificatie reads them with the caller's own token.
"""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from loket.contracts.errors import Forbidden, NotFound
from loket.contracts.tokens import Claims, Role


class Verdict(Enum):
    SEES = "sees"
    NOT_ALLOWED = "not allowed"  # reaches the school, but may not see its messages here (403)
    NOT_FOUND = "not found"  # does not reach it: answered as if it did not exist (404)

    def enforce(self, what: str) -> None:
        """Go on only if the caller sees `what` (a school, a pupil); otherwise refuse."""
        if self is Verdict.NOT_FOUND:
            raise NotFound(f"{what} not found")
        if self is Verdict.NOT_ALLOWED:
            raise Forbidden(f"you may not see the messages of this {what}")


def messages_of_school(claims: Claims, brin: str) -> Verdict:
    if claims.role is Role.PARENT:
        return Verdict.NOT_ALLOWED
    if not claims.reaches_school(brin):
        return Verdict.NOT_FOUND
    if claims.role is Role.SCHOOL_USER and claims.scope.groups:
        return Verdict.NOT_ALLOWED
    return Verdict.SEES


def letters_of_school(claims: Claims, brin: str) -> Verdict:
    """Only the school itself sends its letters: its administrator, or a school user linked to no group."""
    if claims.role is Role.PARENT:
        return Verdict.NOT_ALLOWED
    if not claims.reaches_school(brin):
        return Verdict.NOT_FOUND
    if claims.role is Role.SCHOOL_ADMIN or (claims.role is Role.SCHOOL_USER and not claims.scope.groups):
        return Verdict.SEES
    return Verdict.NOT_ALLOWED


def messages_of_pupil(claims: Claims, school_brin: str | None) -> Verdict:
    """`school_brin` is the pupil's school as dossier registered it, or None for a pupil never heard of."""
    if claims.role is Role.PARENT:
        return Verdict.NOT_ALLOWED
    if school_brin is None:
        return Verdict.NOT_FOUND
    return messages_of_school(claims, school_brin)


def documents_of_pupil(claims: Claims, pupil_id: UUID, school_brin: str | None) -> Verdict:
    """`school_brin` as in `messages_of_pupil`."""
    if claims.role is Role.PARENT:
        return Verdict.SEES if claims.scope.pupil == pupil_id else Verdict.NOT_FOUND
    if school_brin is None:
        return Verdict.NOT_FOUND
    return letters_of_school(claims, school_brin)
