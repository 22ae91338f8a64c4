"""What services promise each other: every event has one producer, at least one consumer, a schema
in the committed AsyncAPI document, and carries no more of a child's data than its consumers need."""

from pathlib import Path

import pytest

from loket.contracts.asyncapi import DOCUMENT, render
from loket.contracts.events import CATALOG, SERVICES
from loket.contracts.topology import SUBSCRIPTIONS

FORBIDDEN_IN_EVENTS = {"bsn", "given_name", "family_name", "birth_date", "address", "name"}


def test_the_committed_asyncapi_document_matches_the_code():
    assert DOCUMENT.read_text() == render(), "contracts/asyncapi.json is out of date: run `make asyncapi`"


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_event_has_a_consumer_so_publishing_it_is_routable(key):
    consumers = [service for service, events in SUBSCRIPTIONS.items() if CATALOG[key] in events]
    assert consumers, f"nobody consumes {key}: the outbox would retry it forever as unroutable"


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_event_names_follow_service_thing_verb_version(key):
    service, thing, verb, version = key.split(".")
    assert service in SERVICES and thing.isidentifier() and verb.isidentifier()
    assert version == f"v{CATALOG[key].event_version}"


# The one exception: identity asks the parent for the child's birth date at activation, so the school's
# request for a parent login carries it, to identity only (docs/architecture.md, "Privacy so far").
ALLOWED_IN_EVENTS = {"dossier.parent_login.requested.v1": {"birth_date"}}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_no_event_carries_the_bsn_or_a_childs_name_or_birth_date(key):
    assert not set(CATALOG[key].model_fields) & (FORBIDDEN_IN_EVENTS - ALLOWED_IN_EVENTS.get(key, set()))


def test_the_birth_date_travels_only_to_identity():
    for key, allowed in ALLOWED_IN_EVENTS.items():
        assert allowed <= set(CATALOG[key].model_fields), f"{key} no longer needs its exception"
        assert [service for service, events in SUBSCRIPTIONS.items() if CATALOG[key] in events] == ["identity"]


# loting takes each step of a lottery ceremony on its own event of the step before coming back from
# the bus, which proves that step was published first (docs/architecture.md, "The lottery ceremony").
CEREMONY_EVENTS = {key for key in CATALOG if key.startswith("loting.run.")}


def test_no_service_consumes_its_own_events_except_loting_its_ceremony():
    for service, events in SUBSCRIPTIONS.items():
        own = {event.routing_key() for event in events if event.producer == service}
        assert own <= (CEREMONY_EVENTS if service == "loting" else set()), service


def test_asyncapi_document_lives_in_contracts():
    assert Path(__file__).resolve().parents[2] / "contracts" / "asyncapi.json" == DOCUMENT
