"""identity's use cases, one module per feature. Each opens one unit of work (`Context.work`), or, in an
event handler, uses the delivery's; it loads through the repositories (`persistence/`), asks the domain,
saves, raises events and audits through the unit of work.

A refusal that changes nothing is raised (`loket.contracts.errors`; the shared handler answers it). A
refusal that is itself recorded — a failed attempt counted against the throttle, a wrong answer counted
against a link, an audit entry — is returned as an outcome, so that its unit of work commits: the
login, activation, invitation and reset pages answer those (`http/caller.py`)."""
