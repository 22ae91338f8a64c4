from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from loket.contracts.runtime.settings import ServiceSettings
from loket.dossier.adapters.bsn import decode_key
from loket.dossier.domain.attachments import DEFAULT_MAX_BYTES
from loket.dossier.domain.oki_doc import DEFAULT_REQUIRED, required_fields


class DossierSettings(ServiceSettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_DOSSIER_DATABASE_URL")
    port: int = Field(default=8002, validation_alias="LOKET_DOSSIER_PORT")
    oki_doc_required: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_REQUIRED,
        validation_alias="LOKET_DOSSIER_OKI_DOC_REQUIRED",
        description="The OKI-doc fields this region requires before an OKI-doc is complete (Volledig), "
        "as comma-separated paths such as `advice.provisional_8.motivation` (see `domain/oki_doc.py`).",
    )

    attachment_max_bytes: int = Field(
        default=DEFAULT_MAX_BYTES,
        gt=0,
        validation_alias="LOKET_DOSSIER_ATTACHMENT_MAX_BYTES",
        description="The largest file (PDF, PNG, JPEG) that can be attached to an OKI-doc, in bytes.",
    )

    bsn_key: SecretStr | None = Field(
        default=None,
        validation_alias="LOKET_DOSSIER_BSN_KEY",
        description="The AES-256-GCM key that seals BSNs at rest: 32 bytes, base64. Unset: the key file.",
    )
    bsn_key_file: Path | None = Field(
        default=None,
        validation_alias="LOKET_DOSSIER_BSN_KEY_FILE",
        description="Where the key is kept when LOKET_DOSSIER_BSN_KEY is unset (made on first use); "
        "default $LOKET_VAR_DIR/dossier-bsn.key.",
    )

    @field_validator("bsn_key")
    @classmethod
    def _a_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None:
            decode_key(key.get_secret_value())
        return key

    @property
    def bsn_key_path(self) -> Path:
        return self.bsn_key_file or self.var_dir / "dossier-bsn.key"

    @field_validator("oki_doc_required", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(path.strip() for path in value.split(",") if path.strip())
        return value

    @field_validator("oki_doc_required")
    @classmethod
    def _known_fields(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        return required_fields(paths)
