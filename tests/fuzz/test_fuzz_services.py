"""schemathesis over every service's OpenAPI document, in this process against a small region of real
objects (`fuzz_region.py`): each operation gets valid and invalid requests, each from one kind of caller
(region admin, board contact, school admin, teacher, another school's staff, a parent, no token) and with
path parameters now made up, now naming a real pupil, school, registration, run, letter or account. Every
answer must be no 5xx, a status the operation documents, and a body its schema allows.

Bounded and reproducible: a fixed number of examples an operation (`EXAMPLES`), derandomised (the same
requests on every run), no shrinking. The portal has no OpenAPI document (`openapi_url=None`): its pages
are tested in the browser tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_region import SERVICES, FuzzRegion, fuzz_region

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES = 6  # per operation and generation mode: about 1,500 requests over the five services


def fuzz(region: FuzzRegion, service: str, operation: Any, mode: GenerationMode, found: dict[str, str]) -> None:
    """EXAMPLES requests to one operation; each finding kept once per operation, status and check."""
    callers = sorted(region.tokens)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode), caller=st.sampled_from(callers), data=st.data())
    def run(case: Any, caller: str, data: st.DataObject) -> None:
        for name in case.path_parameters or {}:
            if region.ids.get(name) and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(region.ids[name]))
        token = region.tokens[caller]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        seen = f"({caller}, {mode.value})"
        try:
            response = case.call(headers=headers)
        except Exception as error:  # raised through the in-process transport: a 500 over HTTP
            key = f"{service} {operation.label}: 500 {type(error).__name__}"
            found.setdefault(key, f"{key} {seen}: {error}\n{case.as_curl_command()}")
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as error:
            for failure in error.exceptions if isinstance(error, FailureGroup) else (error,):
                key = f"{service} {operation.label}: {response.status_code} {failure.title}"
                found.setdefault(key, f"{key} {seen}\n{failure.message}\n{case.as_curl_command()}")

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.label  # nothing in the request to get wrong


@pytest.mark.timeout(900)
def test_every_answer_is_documented_and_no_server_error(tmp_path: Path) -> None:
    """One region for all five services: building it (databases, migrations, the objects) costs more than
    fuzzing most of them."""
    found: dict[str, str] = {}
    with fuzz_region(tmp_path) as region:
        for service in SERVICES:
            schema = schemathesis.openapi.from_asgi("/openapi.json", region.apps[service])
            for result in schema.get_all_operations():
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    fuzz(region, service, result.ok(), mode, found)

    assert not found, f"{len(found)} findings:\n\n" + "\n\n".join(found.values())
