"""What dossier does when other services' events arrive, one module per source: identity's word on the
parent logins (`on_parent_login_state.py`), aanmelding's on registrations (`on_registration.py`)."""

from loket.contracts.inbox import Consumer
from loket.dossier.handlers import on_parent_login_state, on_registration


def register(consumer: Consumer) -> None:
    on_parent_login_state.register(consumer)
    on_registration.register(consumer)
