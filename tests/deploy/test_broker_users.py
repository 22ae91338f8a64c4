"""The broker users in the deployment files are the code's (loket.contracts.broker_access): each region has a
RabbitMQ user per service and for the simulation workers, with the permissions the catalog and SUBSCRIPTIONS
give it, and each pod connects as its own; compose's RabbitMQ is provisioned with the same, and no service
there connects as the administrator."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from loket.contracts.broker_access import WORKER, service_access, worker_access
from loket.contracts.events import SERVICES
from loket.contracts.topology import SUBSCRIPTIONS, ServiceQueues

ROOT = Path(__file__).resolve().parents[2]
ROLES = {**{service: service_access(service) for service in SERVICES}, WORKER: worker_access()}
REGIONS = ("zaanstad", "amstelland", "amsterdam", "denhaag")
Resource = dict[str, Any]


def render(region: str) -> list[Resource]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed: it renders the overlays (see `make deploy-check`)")
    overlay = ROOT / "deploy" / "overlays" / region
    done = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def containers(deployment: Resource) -> list[Resource]:
    spec = deployment["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Resource]]:
    return {region: render(region) for region in REGIONS}


def test_the_files_are_written_from_the_code() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "broker_manifests.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("region", REGIONS)
def test_each_role_has_its_user_with_the_codes_permissions(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    users, permissions = of_kind(resources, "User"), of_kind(resources, "Permission")
    topic_permissions = of_kind(resources, "TopicPermission")
    for role, access in ROLES.items():
        name = f"loket-{role}-broker"
        assert name in users
        granted = permissions[name]["spec"]
        assert granted["userReference"] == {"name": name}
        assert granted["permissions"] == {"configure": access.configure, "write": access.write, "read": access.read}
        topic = topic_permissions[name]["spec"]
        assert topic["userReference"] == {"name": name}
        assert topic["permissions"] == {
            "exchange": "loket.events",
            "write": access.topic_write,
            "read": access.topic_read,
        }
    assert not any(
        "#" in p["spec"]["permissions"]["read"] or p["spec"]["permissions"]["read"] == ".*"
        for p in topic_permissions.values()
    )


@pytest.mark.parametrize("region", REGIONS)
def test_each_pod_connects_as_its_own_user(rendered: dict[str, list[Resource]], region: str) -> None:
    for name, deployment in of_kind(rendered[region], "Deployment").items():
        role = name.removeprefix("loket-")
        for container in containers(deployment):
            secrets = {
                variable["name"]: variable["valueFrom"]["secretKeyRef"]["name"]
                for variable in container.get("env", [])
                if "secretKeyRef" in variable.get("valueFrom", {})
            }
            if "RABBITMQ_USERNAME" not in secrets:
                assert role not in ROLES, f"{name}/{container['name']} has no broker user"
                continue
            own = f"loket-{role}-broker-user-credentials"  # the Secret the operator makes for the User
            assert secrets["RABBITMQ_USERNAME"] == secrets["RABBITMQ_PASSWORD"] == own, name


@pytest.mark.parametrize("region", REGIONS)
def test_the_operator_declares_the_whole_topology(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    queues = {queue["spec"]["name"]: queue["spec"] for queue in of_kind(resources, "Queue").values()}
    bindings = {
        (b["spec"]["source"], b["spec"]["destination"], b["spec"]["routingKey"])
        for b in of_kind(resources, "Binding").values()
    }
    for service in SUBSCRIPTIONS:
        work = ServiceQueues(service).work
        assert queues[work.name]["arguments"]["x-dead-letter-exchange"] == "loket.dead"
        assert ("loket.dead", f"loket.{service}.dead", service) in bindings
        assert {("loket.events", work.name, key) for key in ServiceQueues(service).routing_keys} <= bindings
    assert queues["loket.journal"]["type"] == "stream"
    assert {e["spec"]["name"] for e in of_kind(resources, "Exchange").values()} == {"loket.events", "loket.dead"}
    assert all(spec["deletionPolicy"] == "retain" for spec in queues.values())


def rabbitmq_hash_matches(password: str, stored: str) -> bool:
    raw = base64.b64decode(stored)
    return raw[4:] == hashlib.sha256(raw[:4] + password.encode()).digest()


def test_compose_provisions_its_broker_and_no_service_connects_as_the_administrator() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    definitions = json.loads((ROOT / "deploy" / "compose" / "rabbitmq-definitions.json").read_text())
    users = {user["name"]: user for user in definitions["users"]}
    permissions = {p["user"]: p for p in definitions["permissions"]}
    topic_permissions = {p["user"]: p for p in definitions["topic_permissions"]}
    mounted = compose["services"]["rabbitmq"]["volumes"]
    assert any(volume.startswith("./deploy/compose/rabbitmq-definitions.json:") for volume in mounted)
    conf = (ROOT / "deploy" / "compose" / "rabbitmq.conf").read_text()
    assert any(volume.split(":")[1] in conf for volume in mounted if "definitions" in volume)
    for role, access in ROLES.items():
        url = urlsplit(
            compose["services"][role if role != WORKER else "loting-worker"]["environment"]["LOKET_BROKER_URL"]
        )
        assert url.username == access.user and "administrator" not in users[access.user]["tags"]
        assert rabbitmq_hash_matches(url.password or "", users[access.user]["password_hash"])
        assert (permissions[access.user]["configure"], permissions[access.user]["read"]) == (
            access.configure,
            access.read,
        )
        assert topic_permissions[access.user]["read"] == access.topic_read
