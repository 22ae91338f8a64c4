"""identity's links travel sealed to notificatie (`loket.contracts.runtime.link_sealing`): only the shared
key opens them, only for the event type and account they were sealed for, and a wrong key says which
setting to check."""

import stat
from pathlib import Path
from uuid import uuid4

import pytest

from loket.contracts.events import ActivationIssued, InvitationIssued, PasswordResetIssued
from loket.contracts.runtime.link_sealing import LinkKeySettings, LinkSealer
from loket.contracts.runtime.sealing import SealingKeyError, new_key

LINK = "https://ouders.loket.example/activate/dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM"
TOKEN = LINK.rsplit("/", 1)[1]
KEY = new_key()


def sealer(key: str | None = KEY, key_file: Path = Path("unused")) -> LinkSealer:
    return LinkSealer(key, key_file)


@pytest.mark.parametrize("event", [ActivationIssued, InvitationIssued, PasswordResetIssued])
def test_a_sealed_link_opens_with_the_key_for_its_event_and_account(event):
    account = uuid4()
    sealed = sealer().seal(LINK, event.event_type, account)
    assert TOKEN not in sealed and "loket" not in sealed
    assert sealer().open(sealed, event.event_type, account) == LINK
    assert sealer().seal(LINK, event.event_type, account) != sealed  # a fresh nonce each time


def test_the_sealed_link_fits_the_events_schema():
    account = uuid4()
    sealed = sealer().seal(LINK, ActivationIssued.event_type, account)
    event = ActivationIssued(
        account_id=account,
        pupil_id=uuid4(),
        username="10001",
        recipient="ouder@example.org",
        sealed_activation_url=sealed,
        expires_at="2026-12-07T09:00:00+00:00",  # type: ignore[arg-type]
    )
    assert TOKEN not in event.model_dump_json()


def test_a_wrong_key_gives_a_clear_error_naming_the_setting():
    account = uuid4()
    sealed = sealer().seal(LINK, ActivationIssued.event_type, account)
    with pytest.raises(SealingKeyError, match=r"does not open with this key \(is LOKET_LINK_KEY right\?\)"):
        sealer(new_key()).open(sealed, ActivationIssued.event_type, account)


def test_a_link_does_not_open_for_another_account_or_another_kind_of_link():
    account = uuid4()
    sealed = sealer().seal(LINK, ActivationIssued.event_type, account)
    with pytest.raises(SealingKeyError):
        sealer().open(sealed, ActivationIssued.event_type, uuid4())
    with pytest.raises(SealingKeyError):
        sealer().open(sealed, PasswordResetIssued.event_type, account)


def test_a_damaged_sealed_link_is_refused():
    account = uuid4()
    sealed = sealer().seal(LINK, ActivationIssued.event_type, account)
    with pytest.raises(SealingKeyError):
        sealer().open(
            sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"), "identity.activation.issued", account
        )
    with pytest.raises(SealingKeyError, match="base64url"):
        sealer().open("not*base64", ActivationIssued.event_type, account)


def test_a_malformed_key_is_refused_when_the_service_starts():
    with pytest.raises(ValueError, match="LOKET_LINK_KEY"):
        LinkKeySettings(LOKET_LINK_KEY="c2hvcnQ=")


def test_without_the_setting_both_services_share_a_key_file_made_once_with_mode_600(tmp_path):
    identity = LinkKeySettings(var_dir=tmp_path).link_sealer()
    notificatie = LinkKeySettings(var_dir=tmp_path).link_sealer()
    account = uuid4()
    sealed = identity.seal(LINK, ActivationIssued.event_type, account)
    assert notificatie.open(sealed, ActivationIssued.event_type, account) == LINK
    assert stat.S_IMODE((tmp_path / "link.key").stat().st_mode) == 0o600
