"""Monitoring as deployed: every web service is scraped on its metrics port and only Prometheus reaches
it; the alerts are valid PromQL (`promtool check rules`), each fires on a bad series and stays quiet on a
good one (`promtool test rules` with tests/deploy/alerts.test.yaml), is labelled and points at its
section of docs/operations.md; the dashboard's queries are PromQL over the metrics the services expose.

The overlays are rendered with `kubectl kustomize`, as `make deploy-check` does. promtool comes from
Debian's package `prometheus` (.ci/run installs it); nothing is downloaded and no Prometheus runs.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from loket.contracts.events import SERVICES

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ("zaanstad", "amstelland", "amsterdam", "denhaag")
WEB = (*SERVICES, "portaal")  # every one with an HTTP server; the simulation workers have none
METRICS_PORT = 9464
UNIT_TESTS = Path(__file__).with_name("alerts.test.yaml")
OPERATIONS = ROOT / "docs" / "operations.md"
# What the services expose (issue 22), and what the alerts read from Prometheus and kube-state-metrics.
METRICS = {
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "faststream_received_messages_total",
    "faststream_received_processed_messages_total",
    "faststream_received_processed_messages_duration_seconds_bucket",
    "faststream_published_messages_total",
    "loket_outbox_waiting",
    "loket_outbox_oldest_waiting_seconds",
    "loket_inbox_rows",
    "loket_dead_letters",
    "loket_mails",
    "loket_mail_retries_waiting",
    "loket_lottery_runs",
    "loket_simulation_chunks_waiting",
    "loket_build_info",
    "up",
    "kube_deployment_status_replicas_available",
}
METRIC_NAME = re.compile(r"\b((?:loket|http|faststream|kube)_[a-z_]+|up)\s*[{\[)]")
# The replicas of a service read one database: its gauges are combined with max, never added up.
SUMMED_GAUGE = re.compile(r"\b(sum|avg)\s*(by\s*\([^)]*\)\s*)?\(\s*loket_")

Resource = dict[str, Any]


def tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: {why}")
    return path


def render(folder: Path) -> list[Resource]:
    kubectl = tool("kubectl", "it renders the overlays (see `make deploy-check`)")
    done = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def promtool(*args: str, cwd: Path) -> str:
    path = tool(
        "promtool", "Debian's package `prometheus` has it (`apt-get install --no-install-recommends prometheus`)"
    )
    done = subprocess.run([path, *args], capture_output=True, text=True, check=False, cwd=cwd)
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Resource]]:
    regions = {region: render(ROOT / "deploy" / "overlays" / region) for region in REGIONS}
    return {"base": render(ROOT / "deploy" / "base"), **regions}


def of_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def rule_groups(resources: list[Resource]) -> list[dict[str, Any]]:
    rules = of_kind(resources, "PrometheusRule")
    assert rules, "no PrometheusRule"
    return [group for rule in rules.values() for group in rule["spec"]["groups"]]


def alerts(resources: list[Resource]) -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for group in rule_groups(resources) for rule in group["rules"] if "alert" in rule}


def dashboards(resources: list[Resource]) -> dict[str, dict[str, Any]]:
    found = {}
    for name, config in of_kind(resources, "ConfigMap").items():
        if config["metadata"].get("labels", {}).get("grafana_dashboard") == "1":
            found |= {f"{name}/{key}": json.loads(text) for key, text in config["data"].items()}
    return found


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) == {"matchLabels"}, "this test reads matchLabels only"
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def config_maps(resources: list[Resource]) -> dict[str, dict[str, str]]:
    return {name: r.get("data", {}) for name, r in of_kind(resources, "ConfigMap").items()}


# --- scraping -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_every_web_service_is_scraped_on_its_metrics_port(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    deployments, services = of_kind(resources, "Deployment"), of_kind(resources, "Service")
    monitors = of_kind(resources, "ServiceMonitor")
    maps = config_maps(resources)
    for name in (f"loket-{service}" for service in WEB):
        (main,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert {"name": "metrics", "containerPort": METRICS_PORT} in main["ports"], name
        environment = {
            key: value for ref in main["envFrom"] for key, value in maps[ref["configMapRef"]["name"]].items()
        }
        assert environment.get("LOKET_METRICS_PORT") == str(METRICS_PORT), f"{name} serves no /metrics there"
        ports = {port["name"]: port for port in services[name]["spec"]["ports"]}
        assert ports["metrics"] == {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics"}, name
        watching = [
            m for m in monitors.values() if selects(m["spec"]["selector"], services[name]["metadata"]["labels"])
        ]
        assert len(watching) == 1, f"{name}: {len(watching)} ServiceMonitors select its Service"
        (endpoint,) = watching[0]["spec"]["endpoints"]
        assert (endpoint["port"], endpoint["path"], endpoint["interval"]) == ("metrics", "/metrics", "30s")
        assert "namespaceSelector" not in watching[0]["spec"], "its own namespace only"
    assert len(monitors) == len(WEB)
    (worker,) = deployments["loket-loting-worker"]["spec"]["template"]["spec"]["containers"]
    assert "ports" not in worker, "the simulation workers serve no HTTP, and no metrics"


@pytest.mark.parametrize("region", REGIONS)
def test_only_prometheus_reaches_the_metrics_port(rendered: dict[str, list[Resource]], region: str) -> None:
    resources = rendered[region]
    (ingress,) = of_kind(resources, "Ingress").values()
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends and all(backend["port"] == {"name": "http"} for backend in backends), "the Ingress routes http only"
    metrics_ports: set[int | str] = {"metrics", METRICS_PORT}
    allowed = []
    for policy in of_kind(resources, "NetworkPolicy").values():
        for rule in policy["spec"].get("ingress", []):
            ports = {port["port"] for port in rule.get("ports", [])}
            if not ports or ports & metrics_ports:  # a rule without ports allows every port
                allowed.append((policy["metadata"]["name"], rule["from"], ports))
    assert len(allowed) == 1, allowed
    name, sources, ports = allowed[0]
    assert ports == {"metrics"}
    assert sources == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    pods = of_kind(resources, "NetworkPolicy")[name]["spec"]["podSelector"]["matchExpressions"]
    assert pods == [
        {"key": "app.kubernetes.io/name", "operator": "In", "values": [f"loket-{s}" for s in ("portaal", *SERVICES)]}
    ]


# --- alerts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_the_rules_are_valid(rendered: dict[str, list[Resource]], region: str, tmp_path: Path) -> None:
    rules = tmp_path / "loket-alerts.yaml"
    rules.write_text(yaml.safe_dump({"groups": rule_groups(rendered[region])}, sort_keys=False))
    out = promtool("check", "rules", str(rules), cwd=tmp_path)
    assert f"SUCCESS: {len(alerts(rendered[region]))} rules found" in out


def test_each_alert_fires_on_a_bad_series_and_stays_quiet_on_a_good_one(
    rendered: dict[str, list[Resource]], tmp_path: Path
) -> None:
    groups = copy.deepcopy(rule_groups(rendered["base"]))
    for group in groups:  # the summary only: see the head of alerts.test.yaml
        for rule in group["rules"]:
            rule["annotations"] = {"summary": rule["annotations"]["summary"]}
    (tmp_path / "loket-alerts.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    shutil.copy(UNIT_TESTS, tmp_path / UNIT_TESTS.name)
    promtool("test", "rules", UNIT_TESTS.name, cwd=tmp_path)
    cases = [case for test in yaml.safe_load(UNIT_TESTS.read_text())["tests"] for case in test["alert_rule_test"]]
    for alert in alerts(rendered["base"]):
        assert any(c["alertname"] == alert and c["exp_alerts"] for c in cases), f"no test has {alert} fire"
        assert any(c["alertname"] == alert and not c["exp_alerts"] for c in cases), f"no test keeps {alert} quiet"


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of the headings: lower case, punctuation dropped, spaces as hyphens."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)  # a `# comment` is no heading
    headings = re.findall(r"^#{1,6} (.+)$", prose, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_every_alert_is_labelled_and_explained(rendered: dict[str, list[Resource]]) -> None:
    documented = anchors(OPERATIONS.read_text())
    found = alerts(rendered["base"])
    assert len(found) >= 7
    for name, rule in found.items():
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert {"summary", "description", "runbook_url"} <= rule["annotations"].keys(), name
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert page == "docs/operations.md" and anchor == name.lower(), f"{name}: {rule['annotations']['runbook_url']}"
        assert anchor in documented, f"docs/operations.md has no section {name} (#{anchor})"


# --- what the rules and the dashboard read ------------------------------------------------------------


def expressions(resources: list[Resource]) -> dict[str, str]:
    found = {f"alert {name}": rule["expr"] for name, rule in alerts(resources).items()}
    for name, dashboard in dashboards(resources).items():
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                found[f"{name}: {panel['title']} {target['refId']}"] = target["expr"]
    return found


def test_the_rules_and_the_dashboard_read_what_the_services_expose(rendered: dict[str, list[Resource]]) -> None:
    found = expressions(rendered["base"])
    assert any(where.startswith("alert ") for where in found), "no alert"
    assert any(not where.startswith("alert ") for where in found), "no dashboard query"
    for where, expr in found.items():
        read = set(METRIC_NAME.findall(expr))
        assert read, f"{where} reads no metric: {expr}"
        assert read <= METRICS, f"{where} reads what nothing exposes: {sorted(read - METRICS)}"
        assert not SUMMED_GAUGE.search(expr), f"{where} adds up a gauge every replica reports: {expr}"


def test_the_dashboards_queries_are_promql(rendered: dict[str, list[Resource]], tmp_path: Path) -> None:
    """promtool parses each query as a recording rule's, with Grafana's variables filled in."""
    variables = {"$__rate_interval": "2m", "$namespace": "loket-zaanstad", "$service": ".+"}
    rules = []
    for number, (where, expr) in enumerate(sorted(expressions(rendered["base"]).items())):
        if where.startswith("alert "):
            continue
        for variable, value in variables.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"{where}: a variable this test does not know: {expr}"
        rules.append({"record": f"loket:dashboard_query_{number}", "expr": expr})
    assert len(rules) >= 15
    (tmp_path / "dashboard.yaml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    promtool("check", "rules", "dashboard.yaml", cwd=tmp_path)


def test_the_dashboard_is_a_plain_file_with_its_datasource_chosen(rendered: dict[str, list[Resource]]) -> None:
    (dashboard,) = dashboards(rendered["base"]).values()
    assert dashboard == json.loads((ROOT / "deploy" / "base" / "monitoring" / "loket-dashboard.json").read_text())
    assert dashboard["uid"] == "loket-region"
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert variables["namespace"]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    text = json.dumps(dashboard)
    assert "http://" not in text and "https://" not in text, "nothing fetched from elsewhere"
    labels = of_kind(rendered["base"], "ConfigMap")["loket-dashboard"]["metadata"]["labels"]
    assert labels["grafana_dashboard"] == "1", "Grafana's sidecar loads it"
