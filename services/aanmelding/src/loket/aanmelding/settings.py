from pydantic import Field

from loket.contracts.runtime.settings import ServiceSettings


class AanmeldingSettings(ServiceSettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_AANMELDING_DATABASE_URL")
    port: int = Field(default=8003, validation_alias="LOKET_AANMELDING_PORT")
