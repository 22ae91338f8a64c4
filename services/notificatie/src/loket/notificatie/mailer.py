"""Sending mail over SMTP with aiosmtplib."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import aiosmtplib

from loket.notificatie.settings import NotificatieSettings
from loket.notificatie.templating import RenderedMail


class Mailer:
    def __init__(self, settings: NotificatieSettings) -> None:
        self.settings = settings

    def compose(self, to: str, mail: RenderedMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain=parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or None)
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message

    async def send(self, message: EmailMessage) -> str:
        """Hand the message to the SMTP server; return its answer. Raises on any refusal."""
        s = self.settings
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
        return f"250 {reply}"  # aiosmtplib returns the text of the server's 250 answer to DATA
