from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from loket.contracts.runtime.link_sealing import LinkKeySettings
from loket.contracts.runtime.sealing import decode_key
from loket.contracts.tokens import Role


class IdentitySettings(LinkKeySettings):
    database_url: str | None = Field(default=None, validation_alias="LOKET_IDENTITY_DATABASE_URL")
    port: int = Field(default=8001, validation_alias="LOKET_IDENTITY_PORT")
    public_url: str = Field(
        default="http://127.0.0.1:8001",
        validation_alias="LOKET_IDENTITY_PUBLIC_URL",
        description="Where identity is reached: the `iss` of its tokens.",
    )
    portal_url: str = Field(
        default="",
        validation_alias="LOKET_IDENTITY_PORTAL_URL",
        description="Where parents and staff open the links in mails (`/activate/…`, `/invitation/…`, `/reset/…`): "
        "the web portal; built from it, never from a request. Default: `public_url`.",
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        validation_alias="LOKET_IDENTITY_TRUSTED_PROXIES",
        description="Addresses (or networks) whose `X-Forwarded-For` names the client, comma-separated: the portal "
        "and any proxy in front of identity. Empty: the peer is the client.",
    )
    activation_valid_days: int = Field(default=14, ge=1, validation_alias="LOKET_IDENTITY_ACTIVATION_VALID_DAYS")
    activation_attempts: int = Field(
        default=5,
        ge=1,
        validation_alias="LOKET_IDENTITY_ACTIVATION_ATTEMPTS",
        description="Wrong answers (school, birth date) one activation link allows; then it is locked.",
    )
    second_parent: bool = Field(
        default=False,
        validation_alias="LOKET_IDENTITY_SECOND_PARENT",
        description="Whether a school may ask for a second parent's login to a pupil (username `<ELK number>-2`).",
    )
    keys_dir: Path | None = Field(
        default=None,
        validation_alias="LOKET_IDENTITY_KEYS_DIR",
        description="Folder of Ed25519 signing keys (<kid>.pem); default $LOKET_VAR_DIR/identity-keys.",
    )
    totp_key: SecretStr | None = Field(
        default=None,
        validation_alias="LOKET_IDENTITY_TOTP_KEY",
        description="The AES-256-GCM key that seals staff TOTP secrets at rest: 32 bytes, base64. Unset: the key "
        "file, $LOKET_VAR_DIR/identity-totp.key, made on first use (development only).",
    )
    access_token_minutes: int = Field(default=10, ge=1, le=60, validation_alias="LOKET_IDENTITY_ACCESS_TOKEN_MINUTES")

    # staff accounts, login and sessions (docs/architecture.md, "Accounts, login and sessions")
    invitation_valid_days: int = Field(default=7, ge=1, validation_alias="LOKET_IDENTITY_INVITATION_VALID_DAYS")
    reset_valid_minutes: int = Field(default=60, ge=5, validation_alias="LOKET_IDENTITY_RESET_VALID_MINUTES")
    totp_required_roles: Annotated[tuple[Role, ...], NoDecode] = Field(
        default=(Role.REGION_ADMIN, Role.BOARD_CONTACT, Role.SCHOOL_ADMIN),
        validation_alias="LOKET_IDENTITY_TOTP_REQUIRED_ROLES",
        description="Staff roles that must log in with a TOTP code, comma-separated; others may enrol.",
    )
    # throttling (docs/architecture.md, "Passwords, links and throttling"): a growing delay, never a lock
    throttle_window_minutes: int = Field(
        default=24 * 60,
        ge=1,
        validation_alias="LOKET_IDENTITY_THROTTLE_WINDOW_MINUTES",
        description="How long a failed attempt counts for its account (username, or link).",
    )
    throttle_account_attempts: int = Field(
        default=5,
        ge=1,
        validation_alias="LOKET_IDENTITY_THROTTLE_ACCOUNT_ATTEMPTS",
        description="Failures of one account (from every address) that cost nothing; after them every address "
        "that failed for the account waits, longer with each failure.",
    )
    throttle_address_window_minutes: int = Field(
        default=15,
        ge=1,
        validation_alias="LOKET_IDENTITY_THROTTLE_ADDRESS_WINDOW_MINUTES",
        description="How long a failed attempt counts for its client address.",
    )
    throttle_address_attempts: int = Field(
        default=50,
        ge=1,
        validation_alias="LOKET_IDENTITY_THROTTLE_ADDRESS_ATTEMPTS",
        description="Failures of one client address (for every account) that cost nothing; then it waits, "
        "longer with each failure.",
    )
    throttle_first_delay_seconds: int = Field(
        default=1,
        ge=1,
        validation_alias="LOKET_IDENTITY_THROTTLE_FIRST_DELAY_SECONDS",
        description="The first wait after the free failures; it doubles with every further failure.",
    )
    throttle_max_delay_seconds: int = Field(
        default=15 * 60,
        ge=1,
        validation_alias="LOKET_IDENTITY_THROTTLE_MAX_DELAY_SECONDS",
        description="The longest wait: nothing is ever locked for longer.",
    )
    session_idle_minutes: int = Field(default=60, ge=1, validation_alias="LOKET_IDENTITY_SESSION_IDLE_MINUTES")
    session_max_hours: int = Field(default=12, ge=1, validation_alias="LOKET_IDENTITY_SESSION_MAX_HOURS")
    cookie_secure: bool = Field(
        default=True,
        validation_alias="LOKET_IDENTITY_COOKIE_SECURE",
        description="Send the session cookie only over https; false only for local http (`make up`).",
    )

    @field_validator("totp_required_roles", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, proxies: tuple[str, ...]) -> tuple[str, ...]:
        """IP addresses or networks only: never "*" (the leftmost entry would count, which the client
        writes itself), and nothing uvicorn would silently compare as text."""
        for proxy in proxies:
            try:
                ip_network(proxy) if "/" in proxy else ip_address(proxy)
            except ValueError:
                raise ValueError(f"not an IP address or network: {proxy!r}") from None
        return proxies

    @model_validator(mode="after")
    def _portal_defaults_to_identity(self) -> "IdentitySettings":
        if not self.portal_url:
            self.portal_url = self.public_url
        return self

    @field_validator("totp_required_roles")
    @classmethod
    def _staff_roles_only(cls, roles: tuple[Role, ...]) -> tuple[Role, ...]:
        if Role.PARENT in roles:
            raise ValueError("parents do not log in with a second factor")
        return roles

    @field_validator("totp_key")
    @classmethod
    def _a_totp_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None:
            decode_key(key.get_secret_value(), "LOKET_IDENTITY_TOTP_KEY")
        return key

    @property
    def signing_keys_dir(self) -> Path:
        return self.keys_dir or self.var_dir / "identity-keys"
