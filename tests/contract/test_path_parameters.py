"""Every service checks its path parameters by type and pattern before a route uses them: a school is a
BRIN with its location (`loket.contracts.runtime.paths.Brin`), an id is a UUID. Read from the committed
OpenAPI documents, which `test_openapi.py` holds to the code."""

import json
from pathlib import Path

import pytest

from loket.contracts.runtime.paths import BRIN_PATTERN

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "dossier", "aanmelding", "loting", "notificatie")


def path_parameters(service: str) -> list[tuple[str, str, dict[str, object]]]:
    document = json.loads((ROOT / "services" / service / "openapi.json").read_text())
    return [
        (f"{method.upper()} {path}", parameter["name"], parameter["schema"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_a_school_in_a_path_is_a_brin_and_an_id_a_uuid(service: str) -> None:
    parameters = path_parameters(service)
    unchecked_schools = [
        (route, name) for route, name, schema in parameters if "brin" in name and schema.get("pattern") != BRIN_PATTERN
    ]
    untyped_ids = [
        (route, name) for route, name, schema in parameters if name.endswith("_id") and schema.get("format") != "uuid"
    ]

    assert unchecked_schools == [] and untyped_ids == []
