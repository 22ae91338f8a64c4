"""Lists that scale: one page, sorted by a key the route offers, the total in a header."""

from typing import Any

from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from loket.contracts.runtime.paging import Paged, page_of, tell_total

ROWS = [{"name": name, "group": group} for name, group in [("Ada", "8b"), ("Bo", None), ("Cas", "8a"), ("Dex", "8a")]]
KEYS = {"name": lambda row: row["name"], "group": lambda row: row["group"]}


def client() -> TestClient:
    app = FastAPI()

    @app.get("/pupils")
    def pupils(paging: Paged, response: Response) -> list[dict[str, Any]]:
        tell_total(response, len(ROWS))
        return page_of(ROWS, paging, KEYS, "name")

    return TestClient(app)


def test_without_a_limit_the_whole_list_comes_as_before() -> None:
    answer = client().get("/pupils")
    assert [row["name"] for row in answer.json()] == ["Ada", "Bo", "Cas", "Dex"]
    assert answer.headers["x-total-count"] == "4"


def test_a_page_is_sorted_first_and_rows_without_the_key_come_last() -> None:
    answer = client().get("/pupils", params={"limit": 2, "offset": 1, "sort": "-group"})
    assert [row["name"] for row in answer.json()] == ["Cas", "Dex"]
    last = client().get("/pupils", params={"limit": 2, "offset": 2, "sort": "-group"})
    assert [row["name"] for row in last.json()] == ["Dex", "Bo"]


def test_a_key_the_route_does_not_offer_is_refused_with_the_ones_it_does() -> None:
    answer = client().get("/pupils", params={"sort": "birth_date"})
    assert answer.status_code == 422
    problem = answer.json()["detail"][0]
    assert problem["type"] == "unknown_sort"
    assert problem["loc"] == ["query", "sort"]
    assert problem["ctx"] == {"offered": ["name", "group"]}


def test_a_limit_over_the_maximum_is_refused() -> None:
    assert client().get("/pupils", params={"limit": 10_000}).status_code == 422


def test_an_offset_no_database_can_take_is_refused_not_a_server_error() -> None:
    answer = client().get("/pupils", params={"limit": 10, "offset": 2**63})  # asyncpg: out of int64 range, a 500
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "offset"]
