"""Every event in Loket, one module per producing service. Importing this package fills `CATALOG`."""

from loket.contracts.events import aanmelding, dossier, identity, loting, notificatie
from loket.contracts.events.aanmelding import (
    PlacementPublished,
    PriorityClaimDecided,
    RegistrationEndedBySchool,
    RegistrationSubmitted,
    RegistrationWithdrawn,
    ReminderDue,
)
from loket.contracts.events.base import CATALOG, SERVICES, EventPayload, event
from loket.contracts.events.dossier import (
    FinalAdviceGiven,
    GroupTeachersChanged,
    InformationAnswered,
    InformationRequested,
    ParentLoginRequested,
    PupilGroupChanged,
    PupilRegistered,
    RegistrationFormOutdated,
    SchoolContactChanged,
)
from loket.contracts.events.identity import (
    ActivationIssued,
    InvitationIssued,
    ParentLoginStateChanged,
    PasswordResetIssued,
)
from loket.contracts.events.loting import (
    RunCommitted,
    RunCompleted,
    RunFailed,
    RunRequested,
    RunRetried,
    RunSeeded,
    RunStatistics,
    SeedSource,
)
from loket.contracts.events.notificatie import MessageFailed, MessageSent

__all__ = [
    "CATALOG",
    "SERVICES",
    "ActivationIssued",
    "EventPayload",
    "FinalAdviceGiven",
    "GroupTeachersChanged",
    "InformationAnswered",
    "InformationRequested",
    "InvitationIssued",
    "MessageFailed",
    "MessageSent",
    "ParentLoginRequested",
    "ParentLoginStateChanged",
    "PasswordResetIssued",
    "PlacementPublished",
    "PriorityClaimDecided",
    "PupilGroupChanged",
    "PupilRegistered",
    "RegistrationEndedBySchool",
    "RegistrationFormOutdated",
    "RegistrationSubmitted",
    "RegistrationWithdrawn",
    "ReminderDue",
    "RunCommitted",
    "RunCompleted",
    "RunFailed",
    "RunRequested",
    "RunRetried",
    "RunSeeded",
    "RunStatistics",
    "SchoolContactChanged",
    "SeedSource",
    "aanmelding",
    "dossier",
    "event",
    "identity",
    "loting",
    "notificatie",
]
