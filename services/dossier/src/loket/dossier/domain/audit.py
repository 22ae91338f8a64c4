"""What dossier writes to its append-only audit trail, free of any framework.

Every time staff read a pupil's dossier, and every change that matters to the OKI-doc's life (its
status, a reopened OKI-doc with the reason, the final advice, the BSN) and every parent login the school
sends, leaves one entry: what, when,
about which pupil, who (identity's subject id and role) and who really acted while a board contact
looked along. An entry holds ids and plain facts, never the dossier's content or a BSN. Each entry
carries the hash of the one before it, so that an entry altered, deleted or moved is found (the chain,
below).
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    PUPILS_LISTED = "pupils.listed"
    DOSSIER_READ = "dossier.read"
    PUPIL_CHANGED = "pupil.changed"
    PUPIL_IMPORTED = "pupil.imported"  # a new pupil from the school's pupil administration (leerlingen overhalen)
    GROUP_CHANGED = "pupil.group_changed"
    OKI_DOC_CHANGED = "oki_doc.changed"
    OKI_DOC_COMPLETED = "oki_doc.completed"
    OKI_DOC_FINALISED = "oki_doc.finalised"
    OKI_DOC_REOPENED = "oki_doc.reopened"
    DOORSTROOMTOETS_RECORDED = "doorstroomtoets.recorded"
    FINAL_ADVICE_GIVEN = "final_advice.given"
    BSN_CHANGED = "bsn.changed"
    PARENT_LOGIN_SENT = "parent_login.sent"  # the school sent a parent the login (ouderinlog versturen)
    NOTE_ADDED = "note.added"
    NOTES_READ = "notes.read"
    NOT_PLACING_SET = "not_placing.set"  # reden niet plaatsen VO
    INFORMATION_REQUESTED = "information.requested"  # a secondary school asks the primary school
    INFORMATION_REQUESTS_READ = "information_requests.read"
    INFORMATION_ANSWERED = "information.answered"  # the primary school answers the question
    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_READ = "attachment.read"


# What the audit chain (loket.contracts.audit_chain) covers of an entry: the encoding is part of the
# stored data, so a field more or less is a new version of the chain, never an edit here.
CHAINED_FIELDS = ("occurred_at", "action", "pupil_id", "actor", "actor_role", "impersonator", "detail")
