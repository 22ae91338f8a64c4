from pydantic import Field

from loket.contracts.runtime.settings import ServiceSettings


class DossierSettings(ServiceSettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_DOSSIER_DATABASE_URL")
    port: int = Field(default=8002, validation_alias="LOKET_DOSSIER_PORT")
