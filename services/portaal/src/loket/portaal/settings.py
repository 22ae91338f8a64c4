from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from loket.contracts.runtime.sealing import decode_key

ASSETS = Path(__file__).resolve().parents[3] / "assets" / "node_modules"


class PortaalSettings(BaseSettings):
    """The portal keeps no business data: only where the services are, and the key of its session cookie."""

    model_config = SettingsConfigDict(env_prefix="LOKET_", extra="ignore")

    region: str = Field(default="demo", description="The region this instance serves.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias="LOKET_PORTAAL_PORT")
    var_dir: Path = Field(default=Path("var"), description="Where the development session key file lives.")
    public_url: str = Field(default="http://127.0.0.1:8000", validation_alias="LOKET_PORTAAL_PUBLIC_URL")
    identity_url: str = Field(default="http://127.0.0.1:8001", validation_alias="LOKET_PORTAAL_IDENTITY_URL")
    dossier_url: str = Field(default="http://127.0.0.1:8002", validation_alias="LOKET_PORTAAL_DOSSIER_URL")
    aanmelding_url: str = Field(default="http://127.0.0.1:8003", validation_alias="LOKET_PORTAAL_AANMELDING_URL")
    loting_url: str = Field(default="http://127.0.0.1:8004", validation_alias="LOKET_PORTAAL_LOTING_URL")
    notificatie_url: str = Field(default="http://127.0.0.1:8005", validation_alias="LOKET_PORTAAL_NOTIFICATIE_URL")
    session_key: SecretStr | None = Field(
        default=None,
        validation_alias="LOKET_PORTAAL_SESSION_KEY",
        description="The AES-256-GCM key that seals the session cookie: 32 bytes, base64, the same for every "
        "replica. Unset: the key file $LOKET_VAR_DIR/portaal-session.key, made on first use (development only).",
    )
    cookie_secure: bool = Field(
        default=True,
        validation_alias="LOKET_PORTAAL_COOKIE_SECURE",
        description="Send the cookies only over https; false only for local http (`make up`).",
    )
    assets_dir: Path = Field(
        default=ASSETS,
        validation_alias="LOKET_PORTAAL_ASSETS_DIR",
        description="node_modules of services/portaal/assets (`npm ci`): the NL Design System CSS served here.",
    )
    service_timeout: float = Field(default=10.0, gt=0, validation_alias="LOKET_PORTAAL_SERVICE_TIMEOUT")
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="The port of /metrics for Prometheus, apart from the pages' (off when unset): LOKET_METRICS_PORT.",
    )

    @field_validator("session_key")
    @classmethod
    def _a_session_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None:
            decode_key(key.get_secret_value(), "LOKET_PORTAAL_SESSION_KEY")
        return key
