"""`make deploy-check`: render every region's overlay and validate what comes out, offline.

- `kubectl kustomize deploy/overlays/<region>` renders the region (kubectl's built-in kustomize);
- Kubernetes' own kinds are checked by kubernetes-validate, strictly (an unknown field fails), against
  the schemas of KUBERNETES_VERSION that it bundles;
- the operators' custom resources (KEDA, CloudNativePG and its Barman Cloud plugin, the RabbitMQ
  Cluster and Messaging Topology Operators, the Prometheus Operator) by check-jsonschema, against the
  schemas in deploy/schemas/;
- the Grafana dashboards (ConfigMaps labelled grafana_dashboard: "1"): each file parses as JSON and is a
  dashboard: a uid, a title, panels, an expression in every query, the Prometheus data source only through
  the `${datasource}` variable (whether the expressions are PromQL is tests/deploy/test_monitoring.py's part,
  with promtool);
- `compose.yaml` by check-jsonschema against the Compose specification it bundles.

A kind that neither knows fails the check: nothing is waved through unvalidated. Nothing is
downloaded: both tools carry their schemas.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[1]
OVERLAYS = ROOT / "deploy" / "overlays"
SCHEMAS = ROOT / "deploy" / "schemas"
COMPOSE = ROOT / "compose.yaml"
BIN = Path(sys.executable).parent  # the workspace venv: `uv run` put us there

# The oldest version kubernetes-validate bundles, the same as the kubectl here: manifests that pass
# against 1.32 use nothing newer, so they apply on any cluster from 1.32 on.
KUBERNETES_VERSION = "1.32.0"
# kustomize v5 (kubectl 1.27+) understands `envs` and inline `patches`; Debian's kubectl 1.20 does not.
OLDEST_KUBECTL = (1, 27)

CUSTOM_RESOURCES = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda-scaledobject.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda-triggerauthentication.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "cnpg-scheduledbackup.json",
    ("barmancloud.cnpg.io/v1", "ObjectStore"): "barmancloud-objectstore.json",
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmq-rabbitmqcluster.json",
    # the Messaging Topology Operator's
    ("rabbitmq.com/v1beta1", "User"): "rabbitmq-user.json",
    ("rabbitmq.com/v1beta1", "Permission"): "rabbitmq-permission.json",
    ("rabbitmq.com/v1beta1", "TopicPermission"): "rabbitmq-topicpermission.json",
    ("rabbitmq.com/v1beta1", "Exchange"): "rabbitmq-exchange.json",
    ("rabbitmq.com/v1beta1", "Queue"): "rabbitmq-queue.json",
    ("rabbitmq.com/v1beta1", "Binding"): "rabbitmq-binding.json",
    # the Prometheus Operator's
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "prometheus-servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheus-prometheusrule.json",
}
# Grafana's sidecar loads the dashboards in the ConfigMaps that carry this label.
DASHBOARD_LABEL = ("grafana_dashboard", "1")
DATASOURCE = "${datasource}"


class CheckFailed(Exception):
    pass


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        raise CheckFailed(
            "kubectl is not installed, and `make deploy-check` renders the overlays with its kustomize.\n"
            "  Install kubectl 1.27 or newer (the Kubernetes project's packages, or your distribution's if it\n"
            "  is new enough; Debian 12's kubernetes-client is 1.20, too old). .ci/run installs it only where\n"
            "  a package registry it uses offers `kubectl`."
        )
    done = subprocess.run([path, "version", "--client", "-o", "json"], capture_output=True, text=True, check=False)
    try:
        info = json.loads(done.stdout)["clientVersion"]
        version = (int(info["major"]), int("".join(c for c in info["minor"] if c.isdigit())))
    except (ValueError, KeyError, TypeError):
        raise CheckFailed(f"cannot tell {path}'s version: {done.stdout or done.stderr}") from None
    if version < OLDEST_KUBECTL:
        raise CheckFailed(
            f"{path} is kubectl {version[0]}.{version[1]}; the overlays need 1.27 or newer (kustomize v5)"
        )
    return path


def render(kubectl_path: str, overlay: Path) -> list[dict[str, object]]:
    done = subprocess.run([kubectl_path, "kustomize", str(overlay)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CheckFailed(f"kubectl kustomize {overlay.relative_to(ROOT)} failed:\n{done.stderr}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def name_of(resource: dict[str, object]) -> str:
    metadata = resource.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return f"{resource.get('kind')}/{name}"


def panels_of(panels: object) -> list[dict[str, object]]:
    """Every panel, those inside a collapsed row included."""
    found: list[dict[str, object]] = []
    for panel in panels if isinstance(panels, list) else []:
        if isinstance(panel, dict):
            found.append(panel)
            found += panels_of(panel.get("panels"))
    return found


def dashboard_errors(name: str, text: str) -> list[str]:
    """What keeps `text` from being a Grafana dashboard of Loket's kind (see the module's docstring)."""
    try:
        dashboard = json.loads(text)
    except json.JSONDecodeError as exc:
        return [f"{name}: is not JSON: {exc}"]
    if not isinstance(dashboard, dict):
        return [f"{name}: is not a dashboard (a JSON object)"]
    errors = [
        f"{name}: has no {key}"
        for key in ("uid", "title")
        if not isinstance(dashboard.get(key), str) or not dashboard[key]
    ]
    variables = dashboard.get("templating", {}).get("list", []) if isinstance(dashboard.get("templating"), dict) else []
    if not any(
        isinstance(v, dict) and v.get("name") == "datasource" and v.get("type") == "datasource" for v in variables
    ):
        errors.append(f"{name}: has no template variable `datasource` of type datasource")
    panels = panels_of(dashboard.get("panels"))
    if not [panel for panel in panels if panel.get("type") != "row"]:
        errors.append(f"{name}: has no panels")
    for panel in panels:
        title = f"{name}: panel {panel.get('title')!r}"
        if panel.get("type") in ("row", "text"):
            continue
        targets = panel.get("targets")
        if not isinstance(targets, list) or not targets:
            errors.append(f"{title} has no queries")
            continue
        for source in [panel.get("datasource"), *(t.get("datasource") for t in targets if isinstance(t, dict))]:
            if not isinstance(source, dict) or source.get("uid") != DATASOURCE:
                errors.append(f"{title}: its data source is {source!r}, not {DATASOURCE}")
        for target in targets:
            expr = target.get("expr") if isinstance(target, dict) else None
            if not isinstance(expr, str) or not expr.strip():
                errors.append(f"{title}: a query without a PromQL expression (expr)")
    return errors


def check_dashboards(overlay: Path, resources: list[dict[str, object]]) -> list[str]:
    errors = []
    for resource in resources:
        metadata = resource.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        if resource.get("kind") != "ConfigMap" or not isinstance(labels, dict):
            continue
        if labels.get(DASHBOARD_LABEL[0]) != DASHBOARD_LABEL[1]:
            continue
        data = resource.get("data")
        if not isinstance(data, dict) or not data:
            errors.append(f"{overlay.name}: {name_of(resource)} is labelled a dashboard but holds no file")
            continue
        for key, text in data.items():
            errors += dashboard_errors(f"{overlay.name}: {name_of(resource)}/{key}", str(text))
    return errors


def check_overlay(kubectl_path: str, overlay: Path, custom: dict[str, list[Path]], out: Path) -> list[str]:
    """Validate the core kinds and the dashboards now; write the custom resources out for check-jsonschema."""
    errors = []
    resources = render(kubectl_path, overlay)
    if not resources:
        errors.append(f"{overlay.name}: renders nothing")
    errors += check_dashboards(overlay, resources)
    for number, resource in enumerate(resources):
        schema = CUSTOM_RESOURCES.get((str(resource.get("apiVersion")), str(resource.get("kind"))))
        if schema is not None:
            metadata = resource.get("metadata")
            name = metadata.get("name") if isinstance(metadata, dict) else number
            path = out / f"{overlay.name}:{resource.get('kind')}:{name}.json"
            path.write_text(json.dumps(resource))
            custom.setdefault(schema, []).append(path)
            continue
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(
                f"{overlay.name}: {name_of(resource)} ({resource.get('apiVersion')}) is no Kubernetes kind and has "
                "no schema in deploy/schemas/ (add one, and list it in CUSTOM_RESOURCES)"
            )
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path)
            errors.append(f"{overlay.name}: {name_of(resource)}: {where}: {exc.message}")
    return errors


def check_jsonschema(*args: str) -> str | None:
    done = subprocess.run([str(BIN / "check-jsonschema"), *args], capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else (done.stdout + done.stderr).strip()


def main() -> int:
    started = time.monotonic()
    try:
        kubectl_path = kubectl()
        overlays = sorted(path for path in OVERLAYS.iterdir() if (path / "kustomization.yaml").is_file())
        if not overlays:
            raise CheckFailed(f"no overlays in {OVERLAYS}")
        # our own schemas first: a mistake in one would pass or fail everything checked against it
        failure = check_jsonschema("--check-metaschema", *sorted(map(str, SCHEMAS.glob("*.json"))))
        errors = [f"deploy/schemas/ are not valid JSON schemas:\n{failure}"] if failure else []
        with tempfile.TemporaryDirectory(prefix="deploy-check-") as tmp:
            custom: dict[str, list[Path]] = {}
            for overlay in overlays:
                errors += check_overlay(kubectl_path, overlay, custom, Path(tmp))
            for schema, instances in sorted(custom.items()):
                failure = check_jsonschema("--schemafile", str(SCHEMAS / schema), *map(str, instances))
                if failure:
                    failure = failure.replace(f"{tmp}/", "")  # name the resource, not the scratch file
                    errors.append(f"custom resources against deploy/schemas/{schema}:\n{failure}")
        if COMPOSE.exists():
            failure = check_jsonschema("--builtin-schema", "vendor.compose-spec", str(COMPOSE))
            if failure:
                errors.append(f"compose.yaml:\n{failure}")
        else:
            errors.append("compose.yaml is missing")
    except CheckFailed as exc:
        print(f"deploy-check: FAILED\n{exc}", file=sys.stderr)
        return 1
    if errors:
        print("deploy-check: FAILED", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    names = ", ".join(overlay.name for overlay in overlays)
    print(
        f"deploy-check: {len(overlays)} overlays ({names}) valid against Kubernetes {KUBERNETES_VERSION} and "
        f"deploy/schemas/, their dashboards whole, compose.yaml against the Compose spec "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
