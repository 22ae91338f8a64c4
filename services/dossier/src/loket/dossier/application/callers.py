"""Who is calling: the caller as its token says, and for a school user the groups it teaches here."""

from loket.contracts.tokens import Claims, Role
from loket.dossier.application import DossierWork
from loket.dossier.domain.access import Caller
from loket.dossier.persistence.organisation import Organisation


class Callers:
    def __init__(self, work: DossierWork) -> None:
        self.work = work

    async def of(self, claims: Claims) -> Caller:
        taught: set[tuple[str, str]] = set()
        if claims.role is Role.SCHOOL_USER:
            async with self.work() as uow:
                taught = await Organisation(uow.session).taught_by(claims.sub)
        return Caller.of(claims, taught)
