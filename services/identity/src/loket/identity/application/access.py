"""Who may administer: the acting staff member, read from the database rather than from its token, and
the accounts within its reach now. Never while looking along as someone else (meekijken is for seeing
what a user sees, not for administering in their name), and never on its own account."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from loket.contracts.errors import Forbidden, NotFound
from loket.contracts.tokens import Claims, InvalidToken, Role
from loket.identity.application.context import Uow
from loket.identity.domain.accounts import AccountState
from loket.identity.domain.staff import ADMINISTRATOR_ROLES, may_impersonate, may_manage
from loket.identity.persistence.models import StaffAccount
from loket.identity.persistence.staff import Staff, assignment

OUT_OF_REACH = "no such staff account within your reach"
NO_ACCOUNT = "the token's subject is not a known account"


async def acting(uow: Uow, claims: Claims, *, roles: Iterable[Role] = ADMINISTRATOR_ROLES) -> StaffAccount:
    """The caller's own account, if its role may do this (and still has that role). A token whose subject
    is no account (not an id, or no account of identity's) is refused as invalid: 401."""
    account_id = claims.account()
    if claims.act is not None:
        raise Forbidden("not while looking along as another user (meekijken): log out first")
    if claims.role not in frozenset(roles):
        raise Forbidden(f"a {claims.role} may not do this")
    account = await Staff(uow.session).get(account_id)
    if account is None:
        raise InvalidToken(NO_ACCOUNT)
    if account.state != AccountState.ACTIVATED or account.role != claims.role:
        raise Forbidden("this account may no longer do this")
    return account


async def within_reach(
    uow: Uow, actor: StaffAccount, account_id: UUID, *, lock: bool = False, message: str = OUT_OF_REACH
) -> StaffAccount:
    """A staff account `actor` may manage; one outside its reach is not found, as if it did not exist."""
    staff = Staff(uow.session)
    account = await staff.get(account_id, for_update=lock)
    if account is None or not may_manage(await staff.reach(actor), assignment(account)):
        raise NotFound(message)
    return account


async def managed(uow: Uow, claims: Claims, account_id: UUID) -> tuple[StaffAccount, StaffAccount]:
    """The administrator and another account within its reach, locked for the change."""
    actor = await acting(uow, claims)
    account = await within_reach(uow, actor, account_id, lock=True)
    if account.id == actor.id:
        raise Forbidden("not on your own account: ask another administrator")
    return actor, account


async def to_look_along_as(uow: Uow, contact: StaffAccount, account_id: UUID) -> StaffAccount:
    """Meekijken: a user of a school the contact reaches."""
    staff = Staff(uow.session)
    target = await staff.get(account_id)
    if target is None or not may_impersonate(await staff.reach(contact), assignment(target)):
        raise NotFound("no such user at your board's schools")
    return target
