from pydantic import Field

from loket.contracts.runtime.settings import ServiceSettings


class LotingSettings(ServiceSettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_LOTING_DATABASE_URL")
    port: int = Field(default=8004, validation_alias="LOKET_LOTING_PORT")
