"""dossier's use cases, one module per feature: each opens one unit of work (an event's: the delivery's),
loads through the repositories in `persistence/`, asks the rules in `domain/`, saves, raises events and
leaves the audit trail."""

from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
from loket.dossier.persistence.audit import AuditTrail

DossierWork = Work[AuditTrail]
Uow = UnitOfWork[AuditTrail]
