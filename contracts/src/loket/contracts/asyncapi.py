"""The AsyncAPI 3.0 document of every event, generated from the catalog and the topology.

FastStream can generate AsyncAPI too, but it describes one running app's subscribers per queue; the
contract other services build on is per event — who publishes it, who consumes it, its envelope and
payload schema — and that is what this module writes. Regenerate with `make asyncapi`; a test fails
when the committed `contracts/asyncapi.json` drifts from the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from loket.contracts.envelope import Envelope
from loket.contracts.events import CATALOG, EventPayload
from loket.contracts.topology import EVENTS_EXCHANGE, JOURNAL, SUBSCRIPTIONS, ServiceQueues

DOCUMENT = Path(__file__).resolve().parents[3] / "asyncapi.json"
REF = "#/components/schemas/{model}"


def message_name(event: type[EventPayload]) -> str:
    version = f"V{event.event_version}"
    return event.__name__.removesuffix(version) + version  # a superseded version's class ends in it


def consumers_of(event: type[EventPayload]) -> list[str]:
    return sorted(service for service, events in SUBSCRIPTIONS.items() if event in events)


def document() -> dict[str, Any]:
    events = [CATALOG[key] for key in sorted(CATALOG)]
    envelopes = {event: Envelope[event] for event in events}  # type: ignore[valid-type]
    refs, schemas = models_json_schema(
        [(envelope, "serialization") for envelope in envelopes.values()], ref_template=REF
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event in events:
        key, name = event.routing_key(), message_name(event)
        messages[name] = {
            "name": key,
            "title": name,
            "summary": (event.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "),
            "contentType": "application/json",
            "payload": refs[(envelopes[event], "serialization")],
            "bindings": {"amqp": {"messageType": key, "bindingVersion": "0.3.0"}},
        }
        channels[key] = {
            "address": key,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": EVENTS_EXCHANGE.name, "type": "topic", "durable": True, "autoDelete": False},
                    "bindingVersion": "0.3.0",
                }
            },
        }
        channel_ref = {"$ref": f"#/channels/{key}"}
        message_ref = [{"$ref": f"#/channels/{key}/messages/{name}"}]
        operations[f"{event.producer}.publish.{name}"] = {
            "action": "send",
            "title": f"{event.producer} publishes {key}",
            "channel": channel_ref,
            "messages": message_ref,
            "bindings": {"amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": "0.3.0"}},
        }
        receivers = {
            consumer: f"{consumer} consumes {key} from queue {ServiceQueues(consumer).work.name}"
            for consumer in consumers_of(event)
        }
        if event.journaled:
            receivers = {"journal": f"the stream {JOURNAL.name} keeps {key} for services that build on it", **receivers}
        for receiver, title in receivers.items():
            operations[f"{receiver}.receive.{name}"] = {
                "action": "receive",
                "title": title,
                "channel": channel_ref,
                "messages": message_ref,
                "bindings": {"amqp": {"ack": True, "bindingVersion": "0.3.0"}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Loket events",
            "version": "0.1.0",
            "description": (
                "Every event Loket's services publish on the topic exchange `loket.events`. The routing "
                "key is the event name `<service>.<thing>.<verb>.v<N>`; the body is one JSON envelope. "
                "Messages are persistent; each consuming service reads from its own quorum queue "
                "`loket.<service>`, whose failures end in `loket.<service>.dead`. Every event without a "
                f"credential or contact details is also kept in the stream `{JOURNAL.name}` (for "
                f"{JOURNAL.arguments['x-max-age']} at most, bounded in size; see the `journal.receive` "
                "operations): a service that builds on these events reads it from any offset "
                "(`x-stream-offset`), including the events no Loket service consumes."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"host": "localhost:5672", "protocol": "amqp", "protocolVersion": "0.9.1"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas.get("$defs", {})},
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    if "--check" in sys.argv:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != render():
            sys.exit(f"{DOCUMENT} is out of date: run `make asyncapi` and commit it")
        return
    DOCUMENT.write_text(render())
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()
