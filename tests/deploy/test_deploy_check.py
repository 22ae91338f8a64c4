"""`make deploy-check` (scripts/deploy_check.py) fails on what it is there to catch: a misspelt field
in a Kubernetes kind or in an operator's resource, and a kind nobody validates."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_check", ROOT / "scripts" / "deploy_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["deploy_check"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def kubectl(check: ModuleType) -> str:
    path: str = check.kubectl()
    return path


def overlay(tmp_path: Path, manifest: str) -> Path:
    """A one-resource overlay; the check renders it as it renders a region."""
    folder = tmp_path / "region"
    folder.mkdir()
    (folder / "resource.yaml").write_text(manifest)
    (folder / "kustomization.yaml").write_text("resources: [resource.yaml]\n")
    return folder


SERVICE = """apiVersion: v1
kind: Service
metadata: {name: loket-x}
spec:
  selector: {app: x}
  ports: [{port: 8001, targetPort: http}]
"""

SCALED_OBJECT = """apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: loket-x}
spec:
  scaleTargetRef: {name: loket-x}
  minReplicaCount: 0
  triggers:
    - type: rabbitmq
      metadata: {protocol: http, mode: QueueLength, queueName: q, value: "8"}
      authenticationRef: {name: loket-x}
"""


def test_a_valid_kubernetes_resource_passes(check: ModuleType, kubectl: str, tmp_path: Path) -> None:
    assert check.check_overlay(kubectl, overlay(tmp_path, SERVICE), {}, tmp_path) == []


def test_a_misspelt_field_of_a_kubernetes_kind_fails(check: ModuleType, kubectl: str, tmp_path: Path) -> None:
    errors = check.check_overlay(kubectl, overlay(tmp_path, SERVICE.replace("selector", "selectr")), {}, tmp_path)
    assert len(errors) == 1 and "selectr" in errors[0]


def test_a_kind_without_a_schema_fails(check: ModuleType, kubectl: str, tmp_path: Path) -> None:
    unknown = "apiVersion: example.org/v1\nkind: Gadget\nmetadata: {name: loket-x}\nspec: {}\n"
    errors = check.check_overlay(kubectl, overlay(tmp_path, unknown), {}, tmp_path)
    assert len(errors) == 1 and "Gadget/loket-x" in errors[0] and "no schema" in errors[0]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("minReplicaCount", "minReplicaCout"), "minReplicaCout"),
        (('value: "8"', "value: 8"), "is not of type 'string'"),
        (("mode: QueueLength", "mode: QueueLenght"), "QueueLenght"),
    ],
)
def test_a_custom_resource_is_checked_against_our_schema(
    check: ModuleType, kubectl: str, tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    schema = check.SCHEMAS / "keda-scaledobject.json"
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    for folder, manifest in ((good, SCALED_OBJECT), (bad, SCALED_OBJECT.replace(*change))):
        custom: dict[str, list[Path]] = {}
        assert check.check_overlay(kubectl, overlay(folder, manifest), custom, folder) == []
        assert list(custom) == ["keda-scaledobject.json"]
        failure = check.check_jsonschema("--schemafile", str(schema), *map(str, custom["keda-scaledobject.json"]))
        if folder is good:
            assert failure is None
        else:
            assert failure is not None and complaint in failure


def test_without_kubectl_the_check_says_what_is_missing(
    check: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert check.main() == 1
    assert "kubectl is not installed" in capsys.readouterr().err


SERVICE_MONITOR = """apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: loket-x}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: loket-x}}
  endpoints:
    - port: metrics
      path: /metrics
      interval: 30s
      relabelings: [{sourceLabels: [__meta_kubernetes_service_name], regex: loket-(.+), targetLabel: service}]
"""

PROMETHEUS_RULE = """apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: loket-x}
spec:
  groups:
    - name: loket
      rules:
        - alert: LoketX
          expr: max by (service) (loket_dead_letters) > 0
          for: 1m
          labels: {severity: critical}
          annotations: {summary: x}
"""


@pytest.mark.parametrize(
    ("manifest", "schema", "change", "complaint"),
    [
        (SERVICE_MONITOR, "prometheus-servicemonitor.json", ("interval: 30s", "intervall: 30s"), "intervall"),
        (SERVICE_MONITOR, "prometheus-servicemonitor.json", ("interval: 30s", "interval: 30 s"), "does not match"),
        (SERVICE_MONITOR, "prometheus-servicemonitor.json", (", targetLabel: service", ""), "targetLabel"),
        (
            SERVICE_MONITOR,
            "prometheus-servicemonitor.json",
            ("{matchLabels: {app.kubernetes.io/name: loket-x}}", "{}"),
            "{}",
        ),
        (PROMETHEUS_RULE, "prometheus-prometheusrule.json", ("for: 1m", "fro: 1m"), "fro"),
        (PROMETHEUS_RULE, "prometheus-prometheusrule.json", ("- alert: LoketX", "- record: loket:x"), "annotations"),
        (PROMETHEUS_RULE, "prometheus-prometheusrule.json", ("expr: max", "exp: max"), "expr"),
    ],
)
def test_the_prometheus_operators_resources_are_checked_against_our_schemas(
    check: ModuleType,
    kubectl: str,
    tmp_path: Path,
    manifest: str,
    schema: str,
    change: tuple[str, str],
    complaint: str,
) -> None:
    for name, text in (("good", manifest), ("bad", manifest.replace(*change))):
        assert text != manifest or name == "good"
        folder = tmp_path / name
        folder.mkdir()
        custom: dict[str, list[Path]] = {}
        assert check.check_overlay(kubectl, overlay(folder, text), custom, folder) == []
        assert list(custom) == [schema]
        failure = check.check_jsonschema("--schemafile", str(check.SCHEMAS / schema), *map(str, custom[schema]))
        if name == "good":
            assert failure is None, failure
        else:
            assert failure is not None and complaint in failure


DASHBOARD = {
    "uid": "loket-x",
    "title": "Loket X",
    "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
    "panels": [
        {"type": "row", "title": "a row", "panels": []},
        {
            "type": "timeseries",
            "title": "dead letters",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "targets": [
                {
                    "refId": "A",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "expr": "loket_dead_letters",
                }
            ],
        },
    ],
}


def dashboard_overlay(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "region"
    folder.mkdir()
    (folder / "dashboard.json").write_text(text)
    (folder / "kustomization.yaml").write_text(
        "configMapGenerator:\n"
        "  - name: loket-dashboard\n"
        "    files: [dashboard.json]\n"
        "    options: {labels: {grafana_dashboard: '1'}}\n"
    )
    return folder


def broken(change: str) -> str:
    dashboard = json.loads(json.dumps(DASHBOARD))
    panel = dashboard["panels"][1]
    if change == "no uid":
        del dashboard["uid"]
    elif change == "no panels":
        dashboard["panels"] = [dashboard["panels"][0]]
    elif change == "an empty expression":
        panel["targets"][0]["expr"] = " "
    elif change == "no queries":
        panel["targets"] = []
    elif change == "a data source by name":
        panel["targets"][0]["datasource"] = {"type": "prometheus", "uid": "prometheus"}
    elif change == "no datasource variable":
        dashboard["templating"]["list"] = []
    elif change == "not JSON":
        return json.dumps(dashboard)[:-1]
    return json.dumps(dashboard)


def test_a_dashboard_passes(check: ModuleType, kubectl: str, tmp_path: Path) -> None:
    assert check.check_overlay(kubectl, dashboard_overlay(tmp_path, json.dumps(DASHBOARD)), {}, tmp_path) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ("no uid", "has no uid"),
        ("no panels", "has no panels"),
        ("an empty expression", "without a PromQL expression"),
        ("no queries", "has no queries"),
        ("a data source by name", "not ${datasource}"),
        ("no datasource variable", "no template variable `datasource`"),
        ("not JSON", "is not JSON"),
    ],
)
def test_a_broken_dashboard_fails(check: ModuleType, kubectl: str, tmp_path: Path, change: str, complaint: str) -> None:
    errors = check.check_overlay(kubectl, dashboard_overlay(tmp_path, broken(change)), {}, tmp_path)
    assert len(errors) == 1 and complaint in errors[0] and "ConfigMap/loket-dashboard" in errors[0], errors
