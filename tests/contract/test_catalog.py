"""What services promise each other: every event has one producer, is routable (the journal keeps it), a schema
in the committed AsyncAPI document, and carries no more of a child's data than its consumers need."""

import asyncio
from pathlib import Path

import pytest
from faststream.rabbit import RabbitBroker
from loket_test_support import read_journal

from loket.contracts.asyncapi import DOCUMENT, render
from loket.contracts.events import CATALOG, SERVICES
from loket.contracts.topology import EVENTS_EXCHANGE, SUBSCRIPTIONS, declare_topology

FORBIDDEN_IN_EVENTS = {"bsn", "given_name", "family_name", "birth_date", "address", "name"}


def test_the_committed_asyncapi_document_matches_the_code():
    assert DOCUMENT.read_text() == render(), "contracts/asyncapi.json is out of date: run `make asyncapi`"


JOURNALED = sorted(key for key, event in CATALOG.items() if event.journaled)


async def test_the_journal_keeps_every_journaled_event_and_no_other(broker_url):
    async with RabbitBroker(broker_url) as broker:
        await declare_topology(broker)
        for key in sorted(CATALOG):
            await broker.publish({"routing_key": key}, exchange=EVENTS_EXCHANGE, routing_key=key, mandatory=True)
        await broker.publish({"routing_key": "sentinel"}, exchange=EVENTS_EXCHANGE, routing_key=JOURNALED[0])
    kept = await asyncio.wait_for(read_journal(broker_url, len(JOURNALED) + 1), timeout=20)
    assert sorted(message["routing_key"] for message in kept[:-1]) == JOURNALED
    assert kept[-1] == {"routing_key": "sentinel"}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_event_is_routable_so_the_outbox_can_publish_it(key):
    """Published mandatory, an event nobody is bound to would be retried for ever: it reaches the journal,
    or (an event the journal must not keep) at least one consumer. test_backbone publishes one that no
    service consumes."""
    consumers = [service for service, events in SUBSCRIPTIONS.items() if CATALOG[key] in events]
    assert CATALOG[key].journaled or consumers, f"{key} is neither journaled nor consumed: unroutable"


# What must never be kept beyond the consumers that need it: a link that logs in, or a way to reach a person.
NOT_IN_THE_JOURNAL = {
    *("activation_url", "invitation_url", "reset_url", "recipient", "birth_date", "server_reply"),
    *("sealed_activation_url", "sealed_invitation_url", "sealed_reset_url"),  # sealed, but no business there
}


@pytest.mark.parametrize("key", JOURNALED)
def test_the_journal_keeps_no_credential_and_no_contact_details(key):
    fields = set(CATALOG[key].model_fields)
    assert not fields & NOT_IN_THE_JOURNAL and not any("email" in field for field in fields), key


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
