"""The security events identity writes to its append-only audit log, free of any framework.

Each entry says what happened (`AuditAction`), how it ended (`Outcome`), who acted, whose account it
was about, when, from which client address, and a few plain facts (`detail`). It never holds a
password, a token, a link or a TOTP secret, nor what someone typed as a username. Each entry carries
the hash of the one before it, so that an entry altered, deleted or moved is found (the chain, below).
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    LOGIN = "login"
    SECOND_FACTOR_ENROLLED = "second_factor.enrolled"
    RECOVERY_CODES_ISSUED = "second_factor.recovery_codes_issued"  # a new set (the old set stops working)
    RECOVERY_CODE_USED = "second_factor.recovery_code_used"  # logged in with one in place of a TOTP code
    SESSION_REFRESHED = "session.refreshed"
    SESSION_ENDED = "session.ended"
    REFRESH_TOKEN_REUSED = "session.refresh_token_reused"  # noqa: S105 (a name, not a secret)
    INVITATION_ISSUED = "invitation.issued"
    INVITATION_ACCEPTED = "invitation.accepted"
    PARENT_LOGIN_ISSUED = "parent_login.issued"  # a school asked: a parent account and its activation link
    PARENT_LOGIN_REFUSED = "parent_login.refused"  # a school asked, but the login is activated or not offered
    ACTIVATION = "activation"  # a parent answers the questions and sets the first password (or answers wrongly)
    ACTIVATION_LOCKED = "activation.locked"  # too many wrong answers: the link is locked
    PASSWORD_RESET_REQUESTED = "password_reset.requested"  # noqa: S105 (a name, not a secret)
    PASSWORD_RESET_COMPLETED = "password_reset.completed"  # noqa: S105 (a name, not a secret)
    LINK_REFUSED = "link.refused"  # an unknown, used or expired link was submitted
    ROLE_CHANGED = "role.changed"
    BOARD_SCHOOLS_CHANGED = "board.schools_changed"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_REACTIVATED = "account.reactivated"
    IMPERSONATION_STARTED = "impersonation.started"
    IMPERSONATION_ENDED = "impersonation.ended"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # wrong credentials or link
    REFUSED = "refused"  # not allowed: out of scope, deactivated, second factor missing
    THROTTLED = "throttled"  # too many attempts: answered 429 without checking anything


CLI_ACTOR = "cli"  # the operator's command line (`loket-identity invite-admin`)


# What the audit chain (loket.contracts.audit_chain) covers of an entry: the encoding is part of the
# stored data, so a field more or less is a new version of the chain, never an edit here.
CHAINED_FIELDS = (
    "occurred_at",
    "action",
    "outcome",
    "actor_id",
    "actor_role",
    "subject_id",
    "session_id",
    "client_address",
    "detail",
)
