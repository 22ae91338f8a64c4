from typing import Literal

from pydantic import Field

from loket.contracts.runtime.link_sealing import LinkKeySettings


class NotificatieSettings(LinkKeySettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_NOTIFICATIE_DATABASE_URL")
    port: int = Field(default=8005, validation_alias="LOKET_NOTIFICATIE_PORT")
    smtp_host: str = Field(default="127.0.0.1", validation_alias="LOKET_NOTIFICATIE_SMTP_HOST")
    smtp_port: int = Field(default=1025, validation_alias="LOKET_NOTIFICATIE_SMTP_PORT")
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none",
        validation_alias="LOKET_NOTIFICATIE_SMTP_SECURITY",
        description="`none` only for a local mail catcher; production uses starttls or tls.",
    )
    smtp_username: str | None = Field(default=None, validation_alias="LOKET_NOTIFICATIE_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, validation_alias="LOKET_NOTIFICATIE_SMTP_PASSWORD")
    smtp_timeout: float = Field(default=30.0, gt=0, validation_alias="LOKET_NOTIFICATIE_SMTP_TIMEOUT")
    mail_from: str = Field(default="Loket <noreply@loket.example>", validation_alias="LOKET_NOTIFICATIE_MAIL_FROM")
    send_attempts: int = Field(
        default=5,
        ge=1,
        validation_alias="LOKET_NOTIFICATIE_SEND_ATTEMPTS",
        description="Attempts at a message the mail server refuses for now (4xx, no connection); then failed.",
    )
    retry_first_delay: float = Field(
        default=60.0,
        gt=0,
        validation_alias="LOKET_NOTIFICATIE_RETRY_FIRST_DELAY",
        description="Seconds before the second attempt; each next wait is four times longer.",
    )
    retry_delay_cap: float = Field(
        default=3600.0,
        gt=0,
        validation_alias="LOKET_NOTIFICATIE_RETRY_DELAY_CAP",
        description="The longest wait between two attempts, in seconds.",
    )
    letter_poll_interval: float = Field(
        default=15.0,
        gt=0,
        validation_alias="LOKET_NOTIFICATIE_LETTER_POLL_INTERVAL",
        description="Seconds between looks for prepared letters whose moment has come.",
    )
    aanmelding_url: str = Field(
        default="http://127.0.0.1:8003",
        validation_alias="LOKET_NOTIFICATIE_AANMELDING_URL",
        description="aanmelding, where the control document and the proof of registration read the registration.",
    )
    dossier_url: str = Field(
        default="http://127.0.0.1:8002",
        validation_alias="LOKET_NOTIFICATIE_DOSSIER_URL",
        description="dossier, where the control document and the proof of registration read the pupil's name.",
    )
    proof_page_url: str | None = Field(
        default=None,
        validation_alias="LOKET_NOTIFICATIE_PROOF_PAGE_URL",
        description="The parent portal's page with the proof of registration, linked from the confirmation "
        "mail; unset: the mail says it is in the portal, without a link.",
    )

    @property
    def sender_name(self) -> str:
        """Who the mails and letters say they are from."""
        return f"Loket {self.region}"
