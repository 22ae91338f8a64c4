"""What notificatie does when other services' events arrive, one module per kind of news: a mail per
event, sent once (`application/sending.py`, which tries again later when the mail server asks for it),
and what it keeps to know where mail goes and whose school sees it (`application/directory.py`)."""

from loket.contracts.inbox import Consumer
from loket.notificatie.application.sending import Sending
from loket.notificatie.handlers import (
    on_account_links,
    on_pupil_registered,
    on_questions_between_schools,
    on_registration_news,
    on_school_contact_changed,
)


def register(consumer: Consumer, sending: Sending) -> None:
    on_account_links.register(consumer, sending)
    on_registration_news.register(consumer, sending)
    on_pupil_registered.register(consumer)
    on_school_contact_changed.register(consumer)
    on_questions_between_schools.register(consumer, sending)
