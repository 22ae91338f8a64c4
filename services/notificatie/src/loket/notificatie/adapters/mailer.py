"""Sending mail over SMTP with aiosmtplib."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import aiosmtplib

from loket.notificatie.adapters.templating import RenderedMail
from loket.notificatie.domain.messages import is_permanent
from loket.notificatie.settings import NotificatieSettings


class NotSent(Exception):
    """The mail server did not take the message: `answer` says why, `permanent` whether trying again can help."""

    def __init__(self, answer: str, *, permanent: bool) -> None:
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent


class Mailer:
    def __init__(self, settings: NotificatieSettings) -> None:
        self.settings = settings

    def compose(self, to: str, mail: RenderedMail, pdfs: dict[str, bytes] | None = None) -> EmailMessage:
        """The mail to `to`, with `pdfs` (file name → PDF) attached."""
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain=parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or None)
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        for filename, pdf in (pdfs or {}).items():
            message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
        return message

    async def send(self, message: EmailMessage) -> str:
        """Hand the message to the SMTP server; return its answer. Raises `NotSent` on any refusal."""
        s = self.settings
        try:
            _errors, reply = await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                username=s.smtp_username,
                password=s.smtp_password,
                timeout=s.smtp_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            answers = refused.recipients
            raise NotSent(
                "; ".join(f"{answer.code} {answer.message}" for answer in answers),
                permanent=all(is_permanent(answer.code) for answer in answers),
            ) from None
        except aiosmtplib.SMTPResponseException as refused:
            raise NotSent(f"{refused.code} {refused.message}", permanent=is_permanent(refused.code)) from None
        except (aiosmtplib.SMTPException, OSError) as trouble:  # no connection, a timeout, a dropped line
            raise NotSent(f"mail server unreachable: {trouble}", permanent=False) from None
        return f"250 {reply}"  # aiosmtplib returns the text of the server's 250 answer to DATA
