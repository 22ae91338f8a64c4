"""`make broker-manifests`: deploy/base/broker/ written from the code (loket.contracts.broker_access and the
topology), for the RabbitMQ Messaging Topology Operator: a User, Permission and TopicPermission per
service and for the simulation workers, and Loket's shared topology (exchanges, queues, bindings), which
the services' own users may not declare. `--check` fails when the files differ from what the code says
(tests/deploy checks it too), so the permissions cannot drift from the catalog and SUBSCRIPTIONS.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from loket.contracts.broker_access import (
    WORKER,
    Access,
    definitions,
    service_access,
    topology_definitions,
    worker_access,
)
from loket.contracts.events import SERVICES
from loket.contracts.topology import EVENTS_EXCHANGE

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "deploy" / "base" / "broker"
COMPOSE_DEFINITIONS = ROOT / "deploy" / "compose" / "rabbitmq-definitions.json"
COMPOSE_ADMIN = "loket"
CLUSTER = {"name": "loket-rabbitmq"}  # deploy/base/data/rabbitmq.yaml
VHOST = "/"
API = "rabbitmq.com/v1beta1"
HEADER = "# Written by `make broker-manifests` (scripts/broker_manifests.py) from the code: do not edit.\n"
LABELS = {"app.kubernetes.io/part-of": "loket"}


def resource(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": kind,
        "metadata": {"name": name, "labels": LABELS},
        "spec": {**spec, "rabbitmqClusterReference": CLUSTER},
    }


def k8s_name(*parts: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def user_resources(role: str, access: Access) -> list[dict[str, Any]]:
    """The operator makes the user, with a generated password, and the Secret `<name>-user-credentials`
    (keys username, password) that the role's pods read."""
    name = broker_user(role)
    reference = {"vhost": VHOST, "userReference": {"name": name}}
    return [
        resource("User", name, {"tags": []}),
        resource(
            "Permission",
            name,
            {**reference, "permissions": {"configure": access.configure, "write": access.write, "read": access.read}},
        ),
        resource(
            "TopicPermission",
            name,
            {
                **reference,
                "permissions": {
                    "exchange": EVENTS_EXCHANGE.name,
                    "write": access.topic_write,
                    "read": access.topic_read,
                },
            },
        ),
    ]


def broker_user(role: str) -> str:
    return f"loket-{role}-broker"


def users() -> list[dict[str, Any]]:
    roles = [(service, service_access(service)) for service in SERVICES] + [(WORKER, worker_access())]
    return [document for role, access in roles for document in user_resources(role, access)]


def topology() -> list[dict[str, Any]]:
    shared = topology_definitions(VHOST)
    documents = [
        resource(
            "Exchange",
            k8s_name(exchange["name"]),
            {"name": exchange["name"], "vhost": VHOST, "type": exchange["type"], "durable": True, "autoDelete": False},
        )
        for exchange in shared["exchanges"]
    ]
    for queue in shared["queues"]:
        arguments = {key: value for key, value in queue["arguments"].items() if key != "x-queue-type"}
        spec = {
            "name": queue["name"],
            "vhost": VHOST,
            "type": queue["arguments"]["x-queue-type"],
            "durable": True,
            "autoDelete": False,
            "arguments": arguments,
            "deletionPolicy": "retain",  # deleting the resource never drops the messages in the queue
        }
        documents.append(resource("Queue", k8s_name(queue["name"]), spec))
    for binding in shared["bindings"]:
        name = k8s_name(binding["destination"], binding["routing_key"])
        spec = {
            "vhost": VHOST,
            "source": binding["source"],
            "destination": binding["destination"],
            "destinationType": "queue",
            "routingKey": binding["routing_key"],
        }
        documents.append(resource("Binding", name, spec))
    names = [(document["kind"], document["metadata"]["name"]) for document in documents]
    if len(set(names)) != len(names):
        raise SystemExit("two topology resources would have the same name")
    return documents


def written() -> dict[Path, str]:
    def dump(documents: list[dict[str, Any]], about: str) -> str:
        return HEADER + about + str(yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True, width=1000))

    return {
        COMPOSE_DEFINITIONS: compose_definitions(),
        FOLDER / "users.yaml": dump(
            users(),
            "# A broker user per service and for the simulation workers, with only what it needs\n"
            '# (docs/operations.md, "Broker users").\n',
        ),
        FOLDER / "topology.yaml": dump(
            topology(),
            "# Loket's shared topology (loket.contracts.topology), declared by the operator with its\n"
            "# administrator rights: the services' own users may not declare exchanges or bind to loket.dead.\n",
        ),
    }


def compose_definitions() -> str:
    """compose's RabbitMQ, provisioned at boot (load_definitions): the administrator `loket` and a user per
    service and for the worker, each with its name as its password: a demo, like compose's other secrets."""
    accesses = [*(service_access(service) for service in SERVICES), worker_access()]
    document = definitions(
        {access.user: access.user for access in accesses},
        accesses=accesses,
        administrators={COMPOSE_ADMIN: COMPOSE_ADMIN},
        salt=b"demo",
    )
    return json.dumps(document, indent=2) + "\n"


def main(argv: list[str]) -> int:
    files = written()
    if "--check" in argv:
        stale = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from the code: run `make broker-manifests`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
