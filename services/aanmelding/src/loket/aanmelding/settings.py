from pathlib import Path

from pydantic import Field

from loket.contracts.runtime.settings import ServiceSettings


class AanmeldingSettings(ServiceSettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_AANMELDING_DATABASE_URL")
    port: int = Field(default=8003, validation_alias="LOKET_AANMELDING_PORT")
    procedure_file: Path | None = Field(
        default=None,
        validation_alias="LOKET_AANMELDING_PROCEDURE_FILE",
        description="The region's procedure (TOML); unset: the one Loket ships for LOKET_REGION.",
    )
