"""A school in a path is a BRIN with its location, checked before the route runs: anything else is a 422
that says what and where, whatever characters it has."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loket.contracts.runtime.paths import BRIN_PATTERN, Brin


def client() -> TestClient:
    app = FastAPI()

    @app.get("/schools/{brin}/exports/{kind}.csv")
    def export(brin: Brin, kind: str) -> dict[str, str]:
        return {"brin": brin, "kind": kind}

    return TestClient(app)


def test_a_brin_with_its_location_passes() -> None:
    assert client().get("/schools/12AB01/exports/registrations.csv").json() == {
        "brin": "12AB01",
        "kind": "registrations",
    }


@pytest.mark.parametrize(
    "brin",
    ['12AB0"1', "12AB0€", "12AB01; x=1", "12ab01", "12AB", "12AB011", "12AB01%0A", "%0A12AB01"],
    ids=[
        "quote",
        "outside-latin-1",
        "parameter",
        "lower-case",
        "no-location",
        "too-long",
        "trailing-newline",
        "leading-newline",
    ],
)
def test_anything_else_is_refused_on_the_path(brin: str) -> None:
    answer = client().get(f"/schools/{brin}/exports/registrations.csv")

    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["path", "brin"] and problem["type"] == "string_pattern_mismatch"


def test_the_pattern_is_in_the_openapi_document() -> None:
    document = client().app.openapi()  # type: ignore[attr-defined]
    [parameter] = [
        p for p in document["paths"]["/schools/{brin}/exports/{kind}.csv"]["get"]["parameters"] if p["name"] == "brin"
    ]
    assert parameter["schema"]["pattern"] == BRIN_PATTERN
