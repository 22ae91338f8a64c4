"""Who may do what on the broker, derived from the catalog and the topology so that it cannot drift.

Every service connects as a RabbitMQ user of its own. Its permissions (configure, write, read: regular
expressions over exchange and queue names) reach only its own queues (`loket.<service>`, its dead-letter
queue and whatever else it names `loket.<service>.…`), publishing into `loket.events`, binding to it and
dead-lettering into `loket.dead`. On top, RabbitMQ's *topic permissions* on `loket.events` name the routing
keys: a service may publish only the events it produces (write) and bind its queues only to the events it
subscribes to (read; RabbitMQ checks a binding key on a topic exchange against it), so no service can bind a
queue to `#` or to another service's events. The shared part of the topology (the exchanges, the journal,
every service's queues and their dead-letter bindings) is declared by whoever provisions the broker, with
administrator rights (`definitions`), never by a service.

`definitions` writes all of it as a RabbitMQ definitions document: `rabbitmqctl import_definitions` (make up,
the tests), `load_definitions` (compose) or `POST /api/definitions` on the management API import it; the
Kubernetes manifests in deploy/base/broker/ are written from the same functions (`make broker-manifests`).
`python -m loket.contracts.broker_access` is the operators' tool (docs/operations.md, "Broker users").
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from loket.contracts.events import CATALOG, SERVICES
from loket.contracts.runtime.build_info import add_version
from loket.contracts.topology import (
    DEAD_LETTER_EXCHANGE,
    DEFAULT_DELIVERY_LIMIT,
    EVENTS_EXCHANGE,
    JOURNAL,
    SUBSCRIPTIONS,
    ServiceQueues,
)

NOTHING = "^$"  # no exchange or queue has an empty name that a permission could reach
NO_KEY = "(?!)"  # matches no routing key at all
WORKER = "loting-worker"  # the lottery simulation workers: simulation queues only, no events
JOURNAL_READER = "journal"  # services outside Loket that read the journal: that stream only


@dataclass(frozen=True)
class Access:
    """What one broker user may do in Loket's vhost."""

    user: str
    configure: str
    write: str
    read: str
    topic_write: str = NO_KEY  # routing keys it may publish to loket.events
    topic_read: str = NO_KEY  # routing keys it may bind to on loket.events


def _one_of(names: Iterable[str]) -> str:
    names = sorted(set(names))
    return f"^({'|'.join(re.escape(name) for name in names)})$" if names else NO_KEY


def _own(service: str) -> str:
    """`loket.<service>` and everything named under it."""
    return rf"loket\.{re.escape(service)}(\..+)?"


def publishes(service: str) -> list[str]:
    return sorted(key for key, event in CATALOG.items() if event.producer == service)


def subscribes(service: str) -> list[str]:
    return sorted(event.routing_key() for event in SUBSCRIPTIONS.get(service, ()))


def user_name(role: str, prefix: str = "loket") -> str:
    return f"{prefix}-{role}"


def service_access(service: str, prefix: str = "loket") -> Access:
    events, dead = re.escape(EVENTS_EXCHANGE.name), re.escape(DEAD_LETTER_EXCHANGE.name)
    own = _own(service)
    # write on loket.dead: a queue declared with it as dead-letter exchange needs it when first created
    write = [own, events, dead]
    read = [own, events]
    if service == "loting":  # it coordinates lottery simulations: as the workers do (worker_access)
        write.append("amq\\.default")
        read.append(dead)
    return Access(
        user=user_name(service, prefix),
        configure=f"^{own}$",
        write=f"^({'|'.join(write)})$",
        read=f"^({'|'.join(read)})$",
        topic_write=_one_of(publishes(service)),
        topic_read=_one_of(subscribes(service)),
    )


def worker_access(prefix: str = "loket") -> Access:
    """The simulation workers take chunks and answer on each simulation's results queue (through the
    default exchange), and see a chunk's death on `loket.dead`; they read no events at all."""
    simulation = r"loket\.loting\.simulation\..+"
    dead = re.escape(DEAD_LETTER_EXCHANGE.name)
    return Access(
        user=user_name(WORKER, prefix),
        configure=f"^{simulation}$",
        write=rf"^({simulation}|{dead}|amq\.default)$",
        read=f"^({simulation}|{dead})$",
    )


def journal_reader_access(name: str = JOURNAL_READER, prefix: str = "loket") -> Access:
    """A consumer outside Loket reads the journal stream (from any offset) and nothing else: only
    journaled events are in it, none with a credential or contact details."""
    return Access(user=user_name(name, prefix), configure=NOTHING, write=NOTHING, read=f"^{re.escape(JOURNAL.name)}$")


def every_access(prefix: str = "loket") -> list[Access]:
    """Every Loket user: one per service, the simulation workers and one journal reader."""
    return [*(service_access(s, prefix) for s in SERVICES), worker_access(prefix), journal_reader_access(prefix=prefix)]


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ SHA-256(salt ‖ password))."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _queue(queue: Any, vhost: str) -> dict[str, Any]:
    arguments = dict(queue.arguments or {})  # x-queue-type among them
    return {"name": queue.name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": arguments}


def _binding(source: str, queue: str, key: str, vhost: str) -> dict[str, Any]:
    return {
        "source": source,
        "vhost": vhost,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": key,
        "arguments": {},
    }


def topology_definitions(vhost: str = "/", delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> dict[str, Any]:
    """Loket's shared topology, as `declare_topology` declares it, as definitions."""
    exchanges: list[dict[str, Any]] = [
        {
            "name": exchange.name,
            "vhost": vhost,
            "type": exchange.type.value,
            "durable": True,
            "auto_delete": False,
            "internal": False,
            "arguments": {},
        }
        for exchange in (EVENTS_EXCHANGE, DEAD_LETTER_EXCHANGE)
    ]
    queues = [_queue(JOURNAL, vhost)]
    bindings = [
        _binding(EVENTS_EXCHANGE.name, JOURNAL.name, key, vhost)
        for key in sorted(key for key, event in CATALOG.items() if event.journaled)
    ]
    for service in SUBSCRIPTIONS:
        service_queues = ServiceQueues(service, delivery_limit)
        queues += [_queue(service_queues.dead, vhost), _queue(service_queues.work, vhost)]
        bindings.append(_binding(DEAD_LETTER_EXCHANGE.name, service_queues.dead.name, service, vhost))
        bindings += [
            _binding(EVENTS_EXCHANGE.name, service_queues.work.name, key, vhost) for key in service_queues.routing_keys
        ]
    return {"exchanges": exchanges, "queues": queues, "bindings": bindings}


def definitions(
    passwords: Mapping[str, str],
    *,
    vhost: str = "/",
    accesses: Iterable[Access] | None = None,
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
    with_vhost: bool = True,
    administrators: Mapping[str, str] | None = None,
    salt: bytes | None = None,
) -> dict[str, Any]:
    """A RabbitMQ definitions document: the vhost, Loket's topology in it, and a user with its permissions
    for each access whose user `passwords` names (the others are left out). `administrators` are users
    (name: password) with every permission in the vhost, for whoever provisions it. `salt`: one fixed salt
    for every password hash, only where the passwords are public anyway (compose's demo)."""
    chosen = [access for access in (accesses if accesses is not None else every_access()) if access.user in passwords]
    admins = dict(administrators or {})
    users = [
        {
            "name": name,
            "password_hash": password_hash(password, salt),
            "hashing_algorithm": "rabbit_password_hashing_sha256",
            "tags": ["administrator"] if name in admins else [],
            "limits": {},
        }
        for name, password in [*admins.items(), *((access.user, passwords[access.user]) for access in chosen)]
    ]
    permissions = [{"user": name, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"} for name in admins]
    permissions += [
        {"user": a.user, "vhost": vhost, "configure": a.configure, "write": a.write, "read": a.read} for a in chosen
    ]
    topic_permissions = [
        {"user": a.user, "vhost": vhost, "exchange": EVENTS_EXCHANGE.name, "write": a.topic_write, "read": a.topic_read}
        for a in chosen
    ]
    return {
        "users": users,
        "vhosts": [{"name": vhost}] if with_vhost else [],
        "permissions": permissions,
        "topic_permissions": topic_permissions,
        **topology_definitions(vhost, delivery_limit),
    }


def import_with_rabbitmqctl(document: Mapping[str, Any], rabbitmqctl: str = "rabbitmqctl") -> None:
    """Import definitions into the RabbitMQ on this machine, through stdin: the password hashes never
    lie in a file (and rabbitmqctl, which may run as another user, need not read one)."""
    done = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [rabbitmqctl, "-q", "import_definitions", "--format", "json"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl import_definitions failed: {(done.stderr or done.stdout).strip()}")


def url_as(broker_url: str, user: str, password: str) -> str:
    """`broker_url` with another user's credentials: same host, port and vhost."""
    parts = urlsplit(broker_url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def vhost_of(broker_url: str) -> str:
    path = urlsplit(broker_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def passwords_in(file: Path, accesses: Iterable[Access]) -> dict[str, str]:
    """The users' passwords kept in `file` (mode 0600), with a new random one for any user it lacks."""
    known: dict[str, str] = json.loads(file.read_text()) if file.exists() else {}
    wanted = {access.user: known.get(access.user) or secrets.token_urlsafe(24) for access in accesses}
    if wanted != known:
        file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(wanted, out, indent=2)
    file.chmod(0o600)
    return wanted


def provision_locally(broker_url: str, passwords_file: Path, prefix: str = "loket") -> dict[str, str]:
    """Provision the vhost of `broker_url` on the RabbitMQ of this machine (rabbitmqctl): the topology and
    every user of `every_access(prefix)`; return each role's AMQP URL (by service name, WORKER, JOURNAL_READER)."""
    roles = {access.user: role for role in [*SERVICES, WORKER, JOURNAL_READER] for access in [_access_of(role, prefix)]}
    accesses = every_access(prefix)
    passwords = passwords_in(passwords_file, accesses)
    import_with_rabbitmqctl(definitions(passwords, vhost=vhost_of(broker_url), accesses=accesses))
    return {roles[user]: url_as(broker_url, user, password) for user, password in passwords.items()}


def _access_of(role: str, prefix: str) -> Access:
    if role == WORKER:
        return worker_access(prefix)
    if role == JOURNAL_READER:
        return journal_reader_access(prefix=prefix)
    return service_access(role, prefix)


def main(argv: list[str] | None = None) -> None:
    """`python -m loket.contracts.broker_access` — for operators; docs/operations.md, "Broker users"."""
    parser = argparse.ArgumentParser(prog="python -m loket.contracts.broker_access", description=__doc__)
    add_version(parser, "loket-contracts")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("permissions", help="print each user's permissions")
    show.add_argument("--prefix", default="loket")
    provision = commands.add_parser(
        "provision", help="create the topology and the users on this machine's RabbitMQ (rabbitmqctl)"
    )
    provision.add_argument("--broker", default=os.environ.get("LOKET_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    provision.add_argument("--passwords", type=Path, required=True, help="JSON file of user: password (made 0600)")
    provision.add_argument("--prefix", default="loket")
    export = commands.add_parser("definitions", help="print a definitions document (load_definitions, the HTTP API)")
    export.add_argument("--vhost", default="/")
    export.add_argument("--passwords", type=Path, required=True, help="JSON file of user: password (made 0600)")
    export.add_argument("--prefix", default="loket")
    args = parser.parse_args(argv)
    accesses = every_access(args.prefix)
    if args.command == "permissions":
        for access in accesses:
            print(json.dumps(access.__dict__))
    elif args.command == "provision":
        urls = provision_locally(args.broker, args.passwords, args.prefix)
        print(f"provisioned {vhost_of(args.broker)!r}: {', '.join(sorted(urls))} (passwords in {args.passwords})")
    else:
        print(
            json.dumps(
                definitions(passwords_in(args.passwords, accesses), vhost=args.vhost, accesses=accesses), indent=2
            )
        )


if __name__ == "__main__":
    main()
