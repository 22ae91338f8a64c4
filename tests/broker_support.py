"""A provisioned RabbitMQ vhost for a test, as production has it: Loket's topology declared by an
administrator (the test's guest user) and a broker user per service with only its own permissions
(loket.contracts.broker_access), imported with `rabbitmqctl import_definitions`.

The users are made once per test process, with names of their own, and deleted when it ends; their
permissions belong to each test's vhost and go with it."""

from __future__ import annotations

import atexit
import contextlib
import secrets

from loket_test_support import AMQP, rabbitmqctl, unique_name

from loket.contracts.broker_access import WORKER, definitions, every_access, import_with_rabbitmqctl, url_as, user_name
from loket.contracts.topology import DEFAULT_DELIVERY_LIMIT

USERS_PREFIX = unique_name("loket-test")
PASSWORD = secrets.token_urlsafe(18)
_made_users = False


def provisioned_vhost(delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> tuple[str, str]:
    """Create a vhost with Loket's topology, guest as its administrator and this process's service
    users; return its name and guest's AMQP URL into it."""
    global _made_users
    name = unique_name("loket-test")
    accesses = every_access(USERS_PREFIX)
    document = definitions(
        {access.user: PASSWORD for access in accesses}, vhost=name, accesses=accesses, delivery_limit=delivery_limit
    )
    document["permissions"].append({"user": "guest", "vhost": name, "configure": ".*", "write": ".*", "read": ".*"})
    import_definitions(document)
    if not _made_users:
        _made_users = True
        atexit.register(delete_users)
    return name, f"{AMQP.rstrip('/')}/{name}"


def import_definitions(document: dict[str, object]) -> None:
    import_with_rabbitmqctl(document)


def as_user(broker_url: str, role: str) -> str:
    """`broker_url` (into a provisioned vhost) as the broker user of `role`: a service, WORKER or JOURNAL_READER."""
    return url_as(broker_url, user_name(role, USERS_PREFIX), PASSWORD)


def delete_users() -> None:
    for access in every_access(USERS_PREFIX):
        with contextlib.suppress(RuntimeError):  # never made, or gone already
            rabbitmqctl("delete_user", access.user)


__all__ = ["WORKER", "as_user", "provisioned_vhost"]
