"""The first region administrator, invited by an operator (`loket-identity invite-admin EMAIL`).

Nobody can invite anyone before an administrator exists, so an operator with access to identity's
database and settings invites the first one. The account and its invitation are written with the
`identity.invitation.issued.v1` event in one unit of work; the running identity's outbox relay
publishes it (or the next one to start), and notificatie mails the link. The audit log names the
command line as the one who invited.
"""

from __future__ import annotations

from loket.contracts.tokens import Role
from loket.identity.application.staff import NewStaff, StaffAdministration
from loket.identity.domain.staff import Assignment
from loket.identity.persistence.models import StaffAccount


async def invite_region_admin(administration: StaffAdministration, email: str, language: str) -> StaffAccount:
    new = NewStaff(email=email, assignment=Assignment.of(Role.REGION_ADMIN), language=language)
    return await administration.invite(None, new, client_address=None)
