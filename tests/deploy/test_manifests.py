"""The deployment files agree with the code: every variable they set is a setting the service reads,
the settings load from exactly what a pod would get, ports are the services' ports, and every region
renders the whole system (the five services and the web portal: Deployments, Services, probes,
budgets, policies, the KEDA scaler).

The overlays are rendered with `kubectl kustomize`, as `make deploy-check` does; no cluster, no Docker
and no download is needed. A renamed setting fails here instead of being ignored in production
(pydantic-settings ignores variables it does not know).
"""

from __future__ import annotations

import base64
import importlib
import inspect
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from loket.contracts.events import SERVICES
from loket.contracts.runtime.settings import ServiceSettings
from loket.loting.adapters.simulation.queue import CHUNKS_QUEUE

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ("zaanstad", "amstelland", "amsterdam", "denhaag")
PORTAL = "portaal"  # the web portal: no database, no broker; it calls the five services over HTTP
WEB = (*SERVICES, PORTAL)  # each a Deployment behind a Service, probed, budgeted and fenced by policies
PUBLIC = WEB  # every service has a public API, the portal its pages
METRICS_PORT = 9464  # Prometheus's /metrics in every web pod, never public (LOKET_METRICS_PORT)
# Read straight from the environment, outside the settings classes, with the module that reads it: the
# logging of commands without settings, such as the portal's; the commit the image was built from.
OUTSIDE_SETTINGS = {
    "LOKET_LOG_LEVEL": "loket.contracts.runtime.logging",
    "LOKET_LOG_FORMAT": "loket.contracts.runtime.logging",
    "LOKET_COMMIT": "loket.contracts.runtime.build_info",
}
# Read by a library the services run on, with the module that reads it.
LIBRARY_VARIABLES = {"FORWARDED_ALLOW_IPS": "uvicorn.config"}
VARIABLE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")

Resource = dict[str, Any]


def settings_class(service: str) -> type[BaseSettings]:
    """The settings class the module defines (a ServiceSettings for the five services; the portal's own)."""
    module = importlib.import_module(f"loket.{service}.settings")
    return next(
        value
        for name, value in vars(module).items()
        if name.endswith("Settings")
        and isinstance(value, type)
        and issubclass(value, BaseSettings)
        and value.__module__ == module.__name__
    )


def variable_names(cls: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads: a field's own alias, or prefix + name."""
    prefix = cls.model_config.get("env_prefix", "")
    return {
        field.validation_alias if isinstance(field.validation_alias, str) else f"{prefix}{name}".upper()
        for name, field in cls.model_fields.items()
    }


def known_variables(service: str) -> set[str]:
    return variable_names(settings_class(service)) | set(OUTSIDE_SETTINGS)


def default_port(service: str) -> int:
    port = settings_class(service).model_fields["port"].default
    assert isinstance(port, int)
    return port


# --- rendering ----------------------------------------------------------------------------------------


def render(region: str) -> list[Resource]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed: it renders the overlays (see `make deploy-check`)")
    done = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "overlays" / region)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Resource]]:
    return {region: render(region) for region in REGIONS}


def of_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def config_maps(resources: list[Resource]) -> dict[str, dict[str, str]]:
    return {name: r.get("data", {}) for name, r in of_kind(resources, "ConfigMap").items()}


def containers(deployment: Resource) -> Iterator[Resource]:
    spec = deployment["spec"]["template"]["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def service_of(deployment: Resource) -> str:
    """loket-identity → identity; loket-loting-worker → loting (the same image and settings)."""
    return deployment["metadata"]["name"].removeprefix("loket-").removesuffix("-worker")


def placeholder(name: str) -> str:
    """What a Secret would hold; the sealing keys must look like one (the services check them when they start)."""
    if name in ("LOKET_DOSSIER_BSN_KEY", "LOKET_IDENTITY_TOTP_KEY", "LOKET_PORTAAL_SESSION_KEY", "LOKET_LINK_KEY"):
        return base64.b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_hex(8)


def pod_environment(container: Resource, maps: dict[str, dict[str, str]]) -> dict[str, str]:
    """The environment the kubelet would give the container: envFrom first, then env in order, each
    $(NAME) expanded from what is defined before it, a key of a ConfigMap looked up; Secrets hold
    placeholders."""
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in maps, f"{container['name']} reads a ConfigMap that does not exist: {name}"
        environment.update(maps[name])
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = VARIABLE.sub(
                lambda m: environment.get(m.group(1), m.group(0)), variable["value"]
            )
        elif "configMapKeyRef" in variable["valueFrom"]:
            ref = variable["valueFrom"]["configMapKeyRef"]
            assert ref["name"] in maps, f"{container['name']} reads a ConfigMap that does not exist: {ref['name']}"
            environment[variable["name"]] = maps[ref["name"]][ref["key"]]
        else:
            environment[variable["name"]] = placeholder(variable["name"])
    return environment


def load_settings(service: str, environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("LOKET_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        return settings_class(service)()


# --- the settings classes, as this test reads them ----------------------------------------------------


def test_variable_names_follow_the_aliases_and_the_prefix() -> None:
    names = variable_names(settings_class("identity"))
    assert {"LOKET_REGION", "LOKET_BROKER_URL", "LOKET_IDENTITY_PUBLIC_URL", "LOKET_IDENTITY_PORT"} <= names
    assert "LOKET_PORT" not in names and "LOKET_PUBLIC_URL" not in names
    assert all(issubclass(settings_class(service), ServiceSettings) for service in SERVICES)
    assert {"LOKET_REGION", "LOKET_PORTAAL_PORT", "LOKET_PORTAAL_SESSION_KEY"} <= variable_names(settings_class(PORTAL))


def test_the_variables_outside_the_settings_are_really_read() -> None:
    for name, module in {**OUTSIDE_SETTINGS, **LIBRARY_VARIABLES}.items():
        assert f'"{name}"' in inspect.getsource(importlib.import_module(module)), f"{module} no longer reads {name}"


# --- every region -------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_a_region_holds_the_whole_system(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    deployments = of_kind(resources, "Deployment")
    services = of_kind(resources, "Service")
    budgets = of_kind(resources, "PodDisruptionBudget")
    assert set(deployments) == {f"loket-{s}" for s in WEB} | {"loket-loting-worker"}
    assert set(services) == {f"loket-{s}" for s in WEB}
    assert {f"loket-{s}" for s in WEB} <= set(budgets)
    for name, budget in budgets.items():
        assert {"minAvailable", "maxUnavailable"} & budget["spec"].keys(), name
        assert budget["spec"]["selector"]["matchLabels"] == deployments[name]["spec"]["selector"]["matchLabels"]
    assert {r["metadata"]["name"] for r in resources if r["kind"] == "RabbitmqCluster"} == {"loket-rabbitmq"}
    assert set(of_kind(resources, "Cluster")) == {f"loket-{s}-db" for s in SERVICES}
    assert all(r["metadata"]["namespace"] == f"loket-{region}" for r in resources)
    assert not of_kind(resources, "Secret"), "Secrets are made in the cluster, never committed"


@pytest.mark.parametrize("region", REGIONS)
def test_the_region_is_configured_as_itself(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    maps = {name.rsplit("-", 1)[0]: data for name, data in config_maps(resources).items()}  # without the hash
    assert maps["loket-config"]["LOKET_REGION"] == region
    public_url = maps["loket-identity-config"]["LOKET_IDENTITY_PUBLIC_URL"]
    assert maps["loket-config"]["LOKET_TOKEN_ISSUER"] == public_url, "other services check identity's `iss`"
    (ingress,) = of_kind(resources, "Ingress").values()
    hosts = {rule["http"]["paths"][0]["backend"]["service"]["name"]: rule["host"] for rule in ingress["spec"]["rules"]}
    assert hosts.keys() == {f"loket-{s}" for s in PUBLIC}
    assert public_url == f"https://{hosts['loket-identity']}"
    portal_url = maps["loket-portaal-config"]["LOKET_PORTAAL_PUBLIC_URL"]
    assert portal_url == f"https://{hosts['loket-portaal']}"
    assert maps["loket-identity-config"]["LOKET_IDENTITY_PORTAL_URL"] == portal_url, "identity's mails link to it"
    assert {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]} == set(hosts.values())
    assert all(region in host for host in hosts.values())


@pytest.mark.parametrize("region", REGIONS)
def test_every_variable_set_is_a_setting_of_its_service(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    maps = config_maps(resources)
    for deployment in of_kind(resources, "Deployment").values():
        service = service_of(deployment)
        for container in containers(deployment):
            where = f"{deployment['metadata']['name']}/{container['name']}"
            read_from_maps = {key for ref in container.get("envFrom", []) for key in maps[ref["configMapRef"]["name"]]}
            names = {variable["name"] for variable in container.get("env", [])}
            unknown = {name for name in read_from_maps | names if name.startswith("LOKET_")} - known_variables(service)
            assert not unknown, f"{where} sets what {service} does not read: {sorted(unknown)}"
            # Anything else is only there to be put into a setting or the command, as $(NAME).
            used = {
                m
                for text in [v.get("value", "") for v in container.get("env", [])] + container.get("args", [])
                for m in VARIABLE.findall(text)
            }
            helpers = {name for name in names if not name.startswith("LOKET_")} - LIBRARY_VARIABLES.keys()
            assert helpers <= used, f"{where} sets variables nothing uses: {sorted(helpers - used)}"
            assert used <= names | read_from_maps, f"{where} uses undefined variables: {sorted(used - names)}"


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("service", SERVICES)
def test_a_pod_gets_every_setting_it_needs(
    rendered: dict[str, list[Resource]], region: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings load from the pod's environment as the kubelet builds it (ConfigMaps, Secrets,
    $(NAME)), with PostgreSQL, the region's broker, identity's keys and the service's own port."""
    resources = rendered[region]
    deployment = of_kind(resources, "Deployment")[f"loket-{service}"]
    for container in containers(deployment):
        settings = load_settings(service, pod_environment(container, config_maps(resources)), monkeypatch)
        assert settings.region == region
        assert settings.database_url is not None
        assert settings.database_url.startswith("postgresql+asyncpg://")
        assert settings.database_url.endswith(f"@loket-{service}-db-rw:5432/loket_{service}")
        assert settings.broker_url.startswith("amqp://") and "@loket-rabbitmq:5672/" in settings.broker_url
        assert settings.identity_url == f"http://loket-identity:{default_port('identity')}"
        assert settings.host == "0.0.0.0"  # noqa: S104 - a container listens on its pod's address
        assert str(settings.var_dir).startswith("/tmp/")  # the only writable place  # noqa: S108
        assert settings.api_docs is False, "no Swagger UI at /docs in a region (LOKET_API_DOCS)"
        if container["name"] != "migrate":  # its own port, and Prometheus's /metrics apart from it
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            assert ports == {"http": settings.port, "metrics": settings.metrics_port}
    if service == "identity":
        assert str(settings.signing_keys_dir) in {
            mount["mountPath"] for mount in deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        }
    if service == "dossier":
        assert settings.bsn_key is not None, "without it dossier would make a key file that a restart loses"
    if service == "identity" and container["name"] != "migrate":
        assert settings.totp_key is not None, "without it identity would make a key file that a restart loses"
    if service in ("identity", "notificatie") and container["name"] != "migrate":
        # without it each would make a key file of its own, and notificatie could open no link identity sealed
        assert settings.link_key is not None, f"{service} needs LOKET_LINK_KEY (the Secret loket-link-key)"
    if service == "notificatie":  # it prints documents from the record
        assert settings.aanmelding_url == f"http://loket-aanmelding:{default_port('aanmelding')}"
        assert settings.dossier_url == f"http://loket-dossier:{default_port('dossier')}"


@pytest.mark.parametrize("region", REGIONS)
def test_the_portal_gets_every_setting_it_needs(
    rendered: dict[str, list[Resource]], region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The portal's settings load from its pod's environment: the region, the five services' Services
    on their ports, its session key from a Secret, cookies only over https."""
    resources = rendered[region]
    deployment = of_kind(resources, "Deployment")[f"loket-{PORTAL}"]
    (container,) = containers(deployment)
    settings = load_settings(PORTAL, pod_environment(container, config_maps(resources)), monkeypatch)
    assert settings.region == region
    services = of_kind(resources, "Service")
    for service in SERVICES:
        port = default_port(service)
        assert getattr(settings, f"{service}_url") == f"http://loket-{service}:{port}"
        assert services[f"loket-{service}"]["spec"]["ports"][0]["port"] == port
    session_key = next(v for v in container["env"] if v["name"] == "LOKET_PORTAAL_SESSION_KEY")
    assert "secretKeyRef" in session_key["valueFrom"], "the same key in every replica, never committed"
    assert settings.session_key is not None, "without it each replica would make a key of its own"
    assert settings.cookie_secure is True
    assert settings.public_url.startswith("https://")
    assert settings.host == "0.0.0.0"  # noqa: S104 - a container listens on its pod's address
    assert str(settings.var_dir).startswith("/tmp/")  # the only writable place  # noqa: S108
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": settings.port, "metrics": settings.metrics_port}


@pytest.mark.parametrize("region", REGIONS)
def test_web_deployments_are_probed_limited_and_locked_down(
    rendered: dict[str, list[Resource]], region: str, tmp_path: Path
) -> None:
    resources = rendered[region]
    services = of_kind(resources, "Service")
    for service in WEB:
        deployment = of_kind(resources, "Deployment")[f"loket-{service}"]
        pod = deployment["spec"]["template"]["spec"]
        (main,) = pod["containers"]
        migrations = [] if service == PORTAL else [["migrate"]]  # the portal has no database
        assert main["args"] == ["serve"] and [c["args"] for c in pod.get("initContainers", [])] == migrations
        assert main["ports"] == [
            {"name": "http", "containerPort": default_port(service)},
            {"name": "metrics", "containerPort": METRICS_PORT},  # tests/deploy/test_monitoring.py
        ]
        assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert services[f"loket-{service}"]["spec"]["ports"][0]["targetPort"] == "http"
        assert services[f"loket-{service}"]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        handlers = 0.0 if service == PORTAL else graceful_timeout(service, tmp_path)  # the portal has no broker
        assert pod["terminationGracePeriodSeconds"] > handlers + pre_stop_sleep(main)
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in containers(deployment):
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "runAsNonRoot": True,
                "capabilities": {"drop": ["ALL"]},
            }
            assert {"requests", "limits"} <= container["resources"].keys()
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
            assert "memory" in container["resources"]["limits"]
            tmp = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")  # noqa: S108
            assert "emptyDir" in next(v for v in pod["volumes"] if v["name"] == tmp["name"])


def graceful_timeout(service: str, var_dir: Path) -> float:
    """How long the service's broker waits for handlers to finish when it stops."""
    app = importlib.import_module(f"loket.{service}.app")
    runtime, _ = app.build(settings_class(service)(var_dir=var_dir))
    timeout = runtime.broker.config.graceful_timeout
    assert isinstance(timeout, float)
    return timeout


def pre_stop_sleep(container: Resource) -> int:
    return int(container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0))


@pytest.mark.parametrize("region", REGIONS)
def test_the_simulation_workers_scale_on_the_chunk_queue(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    worker = of_kind(resources, "Deployment")["loket-loting-worker"]
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["loting"] and container["args"] == ["worker"], "no password in the argv"
    assert "LOKET_BROKER_URL" in {variable["name"] for variable in container["env"]}
    assert "replicas" not in worker["spec"], "KEDA owns the replica count"
    (scaler,) = of_kind(resources, "ScaledObject").values()
    assert scaler["spec"]["scaleTargetRef"]["name"] == "loket-loting-worker"
    (trigger,) = scaler["spec"]["triggers"]
    assert trigger["type"] == "rabbitmq" and trigger["metadata"]["queueName"] == CHUNKS_QUEUE
    authentication = of_kind(resources, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
    assert [ref["parameter"] for ref in authentication["spec"]["secretTargetRef"]] == ["host"]
    # a worker finishes the chunk it holds when stopped: give it far longer than the services
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 300


# --- network policies ---------------------------------------------------------------------------------


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and the matchExpressions the manifests use)."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        if operator == "In" and labels.get(key) not in expression["values"]:
            return False
        if operator == "NotIn" and labels.get(key) in expression["values"]:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator not in {"In", "NotIn", "Exists"}:
            raise AssertionError(f"this test does not know the operator {operator}")
    return True


def egress_ports(policies: list[Resource], labels: dict[str, str], peer: dict[str, str] | None) -> set[int | str]:
    """The ports a pod with `labels` may reach: on a pod with `peer` labels, or outside (`peer` None)."""
    ports: set[int | str] = set()
    for policy in policies:
        if not selects(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("egress", []):
            for to in rule.get("to", []):
                matches = (
                    "podSelector" in to and "namespaceSelector" not in to and peer and selects(to["podSelector"], peer)
                ) or ("ipBlock" in to and peer is None)
                if matches:
                    ports |= {port["port"] for port in rule.get("ports", [])}
    return ports


def ingress_ports(policies: list[Resource], labels: dict[str, str], peer: dict[str, str]) -> set[int | str]:
    ports: set[int | str] = set()
    for policy in policies:
        if not selects(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            if any("podSelector" in source and selects(source["podSelector"], peer) for source in rule.get("from", [])):
                ports |= {port["port"] for port in rule.get("ports", [])}
    return ports


@pytest.mark.parametrize("region", REGIONS)
def test_network_policies_deny_by_default_and_allow_what_each_service_needs(
    rendered: dict[str, list[Resource]], region: str
) -> None:
    resources = rendered[region]
    policies = list(of_kind(resources, "NetworkPolicy").values())
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]]
    assert any(set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} and "egress" not in p["spec"] for p in deny)
    pod_labels = {
        name: d["spec"]["template"]["metadata"]["labels"] for name, d in of_kind(resources, "Deployment").items()
    }
    identity = pod_labels["loket-identity"]
    broker = {"app.kubernetes.io/name": "loket-rabbitmq"}
    notificatie = config_maps(resources)
    smtp_port = int(
        next(d for n, d in notificatie.items() if n.startswith("loket-notificatie-config")).get(
            "LOKET_NOTIFICATIE_SMTP_PORT", settings_class("notificatie").model_fields["smtp_port"].default
        )
    )
    for service in SERVICES:
        labels = pod_labels[f"loket-{service}"]
        database = {"cnpg.io/cluster": f"loket-{service}-db"}
        assert 5672 in egress_ports(policies, labels, broker) and 5672 in ingress_ports(policies, broker, labels)
        assert 5432 in egress_ports(policies, labels, database) and 5432 in ingress_ports(policies, database, labels)
        assert 8001 in egress_ports(policies, labels, identity), f"{service} must reach identity's JWKS"
        assert 8001 in ingress_ports(policies, identity, labels), f"identity must let {service} fetch its JWKS"
        for other in set(SERVICES) - {service}:
            other_db = {"cnpg.io/cluster": f"loket-{other}-db"}
            assert 5432 not in ingress_ports(policies, other_db, labels), f"{service} reaches {other}'s database"
        outside = egress_ports(policies, labels, None)
        assert (smtp_port in outside) == (service == "notificatie"), f"SMTP out of {service}"
    worker = pod_labels["loket-loting-worker"]
    assert 5672 in egress_ports(policies, worker, broker)
    # notificatie prints documents from aanmelding's and dossier's records
    notificatie_pod = pod_labels["loket-notificatie"]
    for service in ("aanmelding", "dossier"):
        port = default_port(service)
        assert port in egress_ports(policies, notificatie_pod, pod_labels[f"loket-{service}"]), service
        assert ingress_ports(policies, pod_labels[f"loket-{service}"], notificatie_pod) & {port, "http"}, service
    # the portal reaches exactly the five services, each on its own port, and nothing else
    portal = pod_labels[f"loket-{PORTAL}"]
    for service in SERVICES:
        port, labels = default_port(service), pod_labels[f"loket-{service}"]
        assert egress_ports(policies, portal, labels) == {port}, f"the portal to {service}"
        assert ingress_ports(policies, labels, portal) & {port, "http"}, f"{service} must let the portal in"
    assert not egress_ports(policies, portal, broker) and not ingress_ports(policies, broker, portal)
    for service in SERVICES:
        database = {"cnpg.io/cluster": f"loket-{service}-db"}
        assert not egress_ports(policies, portal, database), f"the portal reaches {service}'s database"
    assert not egress_ports(policies, portal, None), "the portal reaches outside the namespace"
    # every web pod is named by a policy of its own, besides the namespace-wide ones
    for service in WEB:
        labels = pod_labels[f"loket-{service}"]
        named = [p for p in policies if p["spec"]["podSelector"] and selects(p["spec"]["podSelector"], labels)]
        assert named, f"no NetworkPolicy selects {service}"
    # the ingress controller reaches the public services' and the portal's HTTP port, by name
    for service in WEB:
        allowed = any(
            selects(p["spec"]["podSelector"], pod_labels[f"loket-{service}"])
            and any("namespaceSelector" in f for rule in p["spec"].get("ingress", []) for f in rule.get("from", []))
            for p in policies
            if p["metadata"]["name"] == "web-from-ingress-controller"
        )
        assert allowed == (service in PUBLIC), service
    # every pod may ask DNS
    dns = [p for p in policies if p["spec"]["podSelector"] == {} and p["spec"].get("egress")]
    assert any(port["port"] == 53 for p in dns for rule in p["spec"]["egress"] for port in rule["ports"])


# --- Secrets are documented ---------------------------------------------------------------------------


def secrets_referenced(resource: Resource) -> set[str]:
    """The names of the Secrets a resource reads: env, volumes, KEDA's and the backups' credentials."""
    names: set[str] = set()
    if resource["kind"] == "Deployment":
        for container in containers(resource):
            names |= {
                v["valueFrom"]["secretKeyRef"]["name"]
                for v in container.get("env", [])
                if "secretKeyRef" in v.get("valueFrom", {})
            }
        names |= {v["secret"]["secretName"] for v in resource["spec"]["template"]["spec"]["volumes"] if "secret" in v}
    if resource["kind"] == "TriggerAuthentication":
        names |= {ref["name"] for ref in resource["spec"]["secretTargetRef"]}
    if resource["kind"] == "ObjectStore":
        names |= {ref["name"] for ref in resource["spec"]["configuration"]["s3Credentials"].values()}
    return names


@pytest.mark.parametrize("region", REGIONS)
def test_every_secret_the_manifests_expect_is_documented(rendered: dict[str, list[Resource]], region: str) -> None:
    expected = set().union(*(secrets_referenced(resource) for resource in rendered[region]))
    assert {
        "loket-dossier-bsn-key",
        "loket-identity-signing-keys",
        "loket-identity-totp-key",
        "loket-portaal-session-key",
    } <= expected
    operations = (ROOT / "docs" / "operations.md").read_text()
    missing = {name for name in expected if f"`{name}`" not in operations}
    assert not missing, f"docs/operations.md does not name these Secrets: {sorted(missing)}"


# --- compose.yaml and the image -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())  # resolves the `<<` merge keys
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("service", SERVICES)
def test_compose_runs_each_service_with_its_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = compose["services"][service]
    environment = {name: str(value) for name, value in spec["environment"].items()}
    unknown = {name for name in environment if name.startswith("LOKET_")} - known_variables(service)
    assert not unknown, f"compose sets what {service} does not read: {sorted(unknown)}"
    assert all(name.startswith("LOKET_") for name in environment)
    port = default_port(service)
    assert spec["build"]["args"] == {"SERVICE": service, "PORT": str(port)}
    assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert spec["command"] == ["serve", "--migrate"], "migrations first"
    assert spec["read_only"] is True
    grace = re.fullmatch(r"(\d+)s", spec["stop_grace_period"])
    assert grace and int(grace.group(1)) > graceful_timeout(service, tmp_path)
    settings = load_settings(service, environment, monkeypatch)
    assert settings.port == port
    assert settings.database_url is not None
    assert settings.database_url.endswith(f"@postgres:5432/loket_{service}")
    assert f"CREATE DATABASE loket_{service} " in (ROOT / "deploy" / "compose" / "initdb.sql").read_text()
    assert settings.identity_url == f"http://identity:{default_port('identity')}"
    assert {"postgres", "rabbitmq"} <= spec["depends_on"].keys()
    if service == "notificatie":
        assert settings.aanmelding_url == f"http://aanmelding:{default_port('aanmelding')}"
        assert settings.dossier_url == f"http://dossier:{default_port('dossier')}"


def test_compose_runs_the_portal_with_its_settings(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose["services"]
    spec = services[PORTAL]
    environment = {name: str(value) for name, value in spec["environment"].items()}
    unknown = {name for name in environment if name.startswith("LOKET_")} - known_variables(PORTAL)
    assert not unknown, f"compose sets what the portal does not read: {sorted(unknown)}"
    assert all(name.startswith("LOKET_") for name in environment)
    port = default_port(PORTAL)
    assert spec["build"]["args"] == {"SERVICE": PORTAL, "PORT": str(port)}
    assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert spec["command"] == ["serve"]
    assert spec["read_only"] is True
    assert not {"postgres", "rabbitmq"} & spec["depends_on"].keys(), "no database, no broker"
    settings = load_settings(PORTAL, environment, monkeypatch)
    assert settings.port == port
    assert settings.public_url == f"http://127.0.0.1:{port}"
    for service in SERVICES:
        assert getattr(settings, f"{service}_url") == f"http://{service}:{default_port(service)}"
    assert settings.session_key is not None, "sessions survive a restart of the container"
    assert settings.cookie_secure is False, "plain http on 127.0.0.1"
    identity = {name: str(value) for name, value in services["identity"]["environment"].items()}
    assert identity["LOKET_IDENTITY_PORTAL_URL"] == settings.public_url, "identity's mails link to the portal"
    assert load_settings("identity", identity, monkeypatch).trusted_proxies, "identity sees the parent behind it"


def test_compose_has_the_broker_mail_and_the_simulation_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "rabbitmq", "mail", "loting-worker"} <= services.keys()
    worker = services["loting-worker"]
    assert worker["entrypoint"] == ["loting"] and worker["command"] == ["worker"]
    assert worker["environment"]["LOKET_BROKER_URL"].startswith("amqp://loket-loting-worker:")  # test_broker_users.py
    assert services["notificatie"]["environment"]["LOKET_NOTIFICATIE_SMTP_HOST"] == "mail"
    identity = services["identity"]["environment"]
    assert identity["LOKET_TOKEN_ISSUER"] == identity["LOKET_IDENTITY_PUBLIC_URL"]


def test_the_image_installs_one_service_from_the_lock_and_runs_as_nobody_special() -> None:
    dockerfile = (ROOT / "deploy" / "images" / "Dockerfile").read_text()
    assert 'uv sync --locked --package "loket-$SERVICE" --no-dev' in dockerfile
    # `uv sync --locked` needs every workspace member's manifest, before the sources are copied
    for manifest in sorted(ROOT.glob("services/*/pyproject.toml")):
        name = manifest.relative_to(ROOT).as_posix()
        assert f"COPY {name} {name}\n" in dockerfile, f"the image does not copy {name}"
    # the portal's CSS: its npm packages, from the lock, where the portal's settings look for them
    assert "COPY services/portaal/assets/package.json services/portaal/assets/package-lock.json" in dockerfile
    assert "npm ci --prefix services/portaal/assets" in dockerfile
    image_settings = set(re.findall(r"\b(LOKET_[A-Z0-9_]+)=", dockerfile))
    assert "LOKET_PORTAAL_ASSETS_DIR" in image_settings
    assert image_settings <= set().union(*(known_variables(s) for s in WEB)), "the image sets what nothing reads"
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert re.search(r"^EXPOSE \$\{PORT\}$", dockerfile, re.MULTILINE)


def test_identity_reads_its_keys_from_a_secret_volume_without_writing(tmp_path: Path) -> None:
    """A Secret volume holds each key as a symlink into a hidden, timestamped folder, read-only."""
    from loket.identity.adapters.tokens import SigningKeys

    made = tmp_path / "made"
    kid = SigningKeys(made).rotate()
    volume = tmp_path / "volume"
    timestamped = volume / "..2026_12_01_10_00_00.000000001"
    timestamped.mkdir(parents=True)
    (timestamped / f"{kid}.pem").write_bytes((made / f"{kid}.pem").read_bytes())
    (volume / "..data").symlink_to(timestamped.name)
    (volume / f"{kid}.pem").symlink_to(f"..data/{kid}.pem")
    volume.chmod(0o555)
    try:
        keys = SigningKeys(volume)
        assert keys.current().kid == kid
        assert [key["kid"] for key in keys.jwks()["keys"]] == [kid]
        assert sorted(path.name for path in volume.iterdir()) == sorted(["..data", timestamped.name, f"{kid}.pem"])
    finally:
        volume.chmod(0o755)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("service", ["identity", PORTAL])
async def test_the_parents_address_is_seen_behind_the_ingress(
    rendered: dict[str, list[Resource]], region: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Throttling per address needs the client's address from X-Forwarded-For, trusted only from
    private addresses: with "*" the leftmost entry would count, which the client writes. The portal sees
    it behind the ingress controller (uvicorn's FORWARDED_ALLOW_IPS) and passes it on to identity, which
    sees it behind the portal or the ingress controller (LOKET_IDENTITY_TRUSTED_PROXIES)."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    resources = rendered[region]
    deployment = of_kind(resources, "Deployment")[f"loket-{service}"]
    (main,) = deployment["spec"]["template"]["spec"]["containers"]
    environment = pod_environment(main, config_maps(resources))
    trusted: str | list[str]
    if service == "identity":  # its own middleware, from its setting (identity's app.py)
        trusted = list(load_settings(service, environment, monkeypatch).trusted_proxies)
    else:  # uvicorn's, which `loket-portaal serve` turns on (proxy_headers=True)
        trusted = environment["FORWARDED_ALLOW_IPS"]
    assert trusted and "*" not in trusted
    seen: list[tuple[str, int]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["client"])

    async def ask(peer: str, forwarded_for: str) -> str:
        scope = {"type": "http", "client": (peer, 50000), "headers": [(b"x-forwarded-for", forwarded_for.encode())]}
        await ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, None, None)  # type: ignore[arg-type]
        return seen[-1][0]

    # the ingress controller (a pod, 10.1.2.3) appends the parent's address to one the parent made up
    assert await ask("10.1.2.3", "203.0.113.9, 198.51.100.7") == "198.51.100.7"
    # the portal (a pod, 10.1.2.4) names the parent it saw
    assert await ask("10.1.2.4", "198.51.100.7") == "198.51.100.7"
    # straight from outside, the header counts for nothing
    assert await ask("198.51.100.7", "203.0.113.9") == "198.51.100.7"
