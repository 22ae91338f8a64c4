from pydantic import Field

from loket.contracts.runtime.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_IDENTITY_DATABASE_URL")
    port: int = Field(default=8001, validation_alias="LOKET_IDENTITY_PORT")
    public_url: str = Field(
        default="http://127.0.0.1:8001",
        validation_alias="LOKET_IDENTITY_PUBLIC_URL",
        description="Where parents reach identity; links in mails are built from it, never from a request.",
    )
    activation_valid_days: int = Field(default=14, ge=1, validation_alias="LOKET_IDENTITY_ACTIVATION_VALID_DAYS")
