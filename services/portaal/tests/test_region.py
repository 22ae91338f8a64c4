"""The region's pages and the notary's ceremony page, against stand-in services: only the region's
administrator reaches them; the round's numbers, its lottery and ceremony; the seed with its error
states; the files as loting serves them; the audit log; meekijken and its banner."""

from typing import Any

import httpx
from portaal_support import access, csrf, sign_in, signed_in

LOTTERY = "0b5f1c9e-0000-4000-8000-000000000001"
WINDOW = {"opens": "2026-11-30T08:00:00+01:00", "closes": "2026-12-28T17:00:00+01:00"}
ROUND = {
    "code": "ronde-1",
    "name": "1e ronde",
    "registration": WINDOW,
    "forwarding": None,
    "decisions_due": "2027-01-10T17:00:00+01:00",
    "lottery_at": "2027-01-12T10:00:00+01:00",
    "publication_at": "2027-01-15T17:00:00+01:00",
    "mechanism": "da-stb",
    "reminders": [],
}
PROGRAM = {
    "code": "94AB00-hv",
    "name": "havo/vwo",
    "school_brin": "94AB00",
    "school_name": "Het Lyceum",
    "levels": ["havo", "vwo"],
    "kind": "regular",
    "seats": 1,
}
PROCEDURE = {
    "region": "demo",
    "name": "Demo-procedure",
    "school_year": "2027-2028",
    "submission": "parent",
    "parent_login": WINDOW,
    "rounds": [ROUND],
    "current_round": "ronde-1",
    "advices": ["havo"],
    "schools": [{"brin": "94AB00", "name": "Het Lyceum", "priority_kinds": [], "programs": [PROGRAM]}],
}
RUN: dict[str, Any] = {
    "id": LOTTERY,
    "label": "demo: 1e ronde",
    "state": "committed",
    "students": 4,
    "programs": 3,
    "seed_sources": [{"kind": "notary"}],
    "commitment_sha256": "ab" * 32,
    "commitment_published_at": "2027-01-12T10:00:00+01:00",
    "seed": None,
    "result_sha256": None,
    "links": {"commitment": f"/runs/{LOTTERY}/commitment", "proces-verbaal": f"/runs/{LOTTERY}/proces-verbaal"},
}


def listed(rows: list[Any]) -> Any:
    return lambda _: httpx.Response(200, json=rows)


def region(portal: Any, services: Any) -> None:
    services.on("GET", "/procedure", PROCEDURE)
    services.on(
        "GET",
        "/procedure/programs",
        {
            "advice": "havo",
            "choose_one": False,
            "length": {"min": 4, "max": None, "ranks": "programs"},
            "priority_kinds": {},
            "programs": [PROGRAM],
        },
    )
    sign_in(portal, services, access(role="region_admin"))


def test_only_the_region_administrator_reaches_the_region_and_the_ceremony(portal, services):
    sign_in(portal, services, access(role="school_admin", schools=["12AB01"]))
    for path in ("/region", "/region/rounds/ronde-1", "/region/audit", f"/ceremony/{LOTTERY}"):
        page = portal.get(path)
        assert page.status_code == 404, path
        assert "Pagina niet gevonden" in page.text
    assert not services.sent("GET", f"/runs/{LOTTERY}")


def test_the_procedure_at_a_glance(portal, services):
    region(portal, services)
    page = portal.get("/region")
    assert page.status_code == 200
    assert 'href="/region/rounds/ronde-1"' in page.text and "Het Lyceum" in page.text
    assert "Minstens 4 opleidingen" in page.text


def test_the_round_s_numbers_and_a_market_taken_too_early(portal, services):
    region(portal, services)
    services.on(
        "GET",
        "/rounds/ronde-1/numbers",
        listed(
            [
                {
                    "school_brin": "94AB00",
                    "school_name": "Het Lyceum",
                    "program": "94AB00-hv",
                    "program_name": "havo/vwo",
                    "seats": 1,
                    "first_choices": 3,
                    "by_state": {"submitted": 2, "in_progress": 1},
                },
            ]
        ),
    )
    services.on("GET", "/rounds/ronde-1/lotteries", listed([]))
    services.on("GET", "/rounds/ronde-1/ended-by-school", listed([]))
    page = portal.get("/region/rounds/ronde-1")
    assert page.status_code == 200 and "meer dan plaatsen" in page.text
    services.on(
        "POST",
        "/rounds/ronde-1/lotteries",
        {
            "detail": "open",
            "code": "registration_still_open",
            "ctx": {"round_name": "1e ronde", "closes": "2026-12-28T17:00:00+01:00"},
        },
        status=409,
    )
    refused = portal.post("/region/rounds/ronde-1/market", data={"csrf_token": csrf(page)})
    assert refused.status_code == 422
    assert "De aanmelding in de 1e ronde is open tot 28 december 2026" in refused.text


def test_the_notary_enters_the_seed_after_an_empty_one_is_refused(portal, services):
    region(portal, services)
    services.on("GET", f"/runs/{LOTTERY}", RUN)
    page = portal.get(f"/ceremony/{LOTTERY}")
    assert page.status_code == 200 and "ab" * 32 in page.text

    empty = portal.post(
        f"/ceremony/{LOTTERY}/seed", data={"csrf_token": csrf(page), "entered_by": "Mr. De Vries", "source-0": " "}
    )
    assert empty.status_code == 422 and 'href="#source-0"' in empty.text and 'value="Mr. De Vries"' in empty.text
    assert not services.sent("POST", f"/runs/{LOTTERY}/seed")

    services.on("POST", f"/runs/{LOTTERY}/seed", {**RUN, "state": "seeded"})
    entered = portal.post(
        f"/ceremony/{LOTTERY}/seed",
        data={"csrf_token": csrf(page), "entered_by": "Mr. De Vries", "source-0": "7 3 1 9 4 4"},
        follow_redirects=False,
    )
    assert entered.status_code == 303
    [sent] = services.sent("POST", f"/runs/{LOTTERY}/seed")
    assert httpx.Response(200, content=sent.content).json() == {
        "entered_by": "Mr. De Vries",
        "values": {"notary": "7 3 1 9 4 4"},
    }

    services.on("POST", f"/runs/{LOTTERY}/seed", {"detail": f"run {LOTTERY}: seeded already"}, status=409)
    again = portal.post(
        f"/ceremony/{LOTTERY}/seed",
        data={"csrf_token": csrf(page), "entered_by": "Mr. De Vries", "source-0": "1"},
    )
    assert again.status_code == 422 and "Laad de pagina opnieuw" in again.text


def test_a_file_of_the_ceremony_comes_as_loting_serves_it(portal, services):
    region(portal, services)
    services.on("GET", f"/runs/{LOTTERY}/proces-verbaal", lambda _: httpx.Response(200, content=b'{"format":"x"}\n'))
    download = portal.get(f"/ceremony/{LOTTERY}/files/proces-verbaal")
    assert download.status_code == 200 and download.content == b'{"format":"x"}\n'
    assert "attachment" in download.headers["content-disposition"]
    assert portal.get(f"/ceremony/{LOTTERY}/files/secrets").status_code == 404


def test_the_audit_log_a_page_at_a_time(portal, services):
    region(portal, services)
    services.on(
        "GET",
        "/audit",
        lambda request: httpx.Response(
            200,
            json=[
                {
                    "id": 9,
                    "occurred_at": "2027-01-12T10:00:00+01:00",
                    "action": "impersonation.started",
                    "outcome": "succeeded",
                    "actor_id": "a",
                    "actor_role": "region_admin",
                    "actor_email": "regio@loket.example",
                    "subject_id": "b",
                    "subject_email": "juf@school.example",
                    "detail": {"school": "12AB01"},
                }
            ],
            headers={"X-Total-Count": "120"},
        ),
    )
    page = portal.get("/region/audit?action=impersonation.started")
    assert page.status_code == 200 and "juf@school.example" in page.text and "pagina 1 van 3" in page.text
    [asked] = services.sent("GET", "/audit")
    assert asked.url.params["action"] == "impersonation.started" and asked.url.params["limit"] == "50"


def test_looking_along_shows_the_banner_until_it_stops(portal, services):
    region(portal, services)
    services.on(
        "GET",
        "/staff",
        lambda _: httpx.Response(
            200,
            json=[
                {
                    "id": "5f0c",
                    "email": "juf@school.example",
                    "role": "school_user",
                    "school": "12AB01",
                    "state": "activated",
                }
            ],
            headers={"X-Total-Count": "1"},
        ),
    )
    page = portal.get("/region/meekijken")
    assert page.status_code == 200 and "juf@school.example" in page.text
    teacher = access(role="school_user", schools=["12AB01"], groups=["8a"])
    services.on(
        "POST", "/impersonation", signed_in({**teacher, "impersonated_by": {"sub": "r", "role": "region_admin"}})
    )
    services.on("GET", "/schools/12AB01", {"brin": "12AB01", "name": "De Regenboog", "sector": "primary"})
    started = portal.post("/region/meekijken", data={"csrf_token": csrf(page), "account_id": "5f0c"})
    assert started.url.path == "/po/12AB01"
    assert "Iemand kijkt mee in deze sessie" in started.text
    assert portal.get("/region").status_code == 404  # as the teacher, not the region
    services.on("POST", "/logout", lambda _: httpx.Response(204))
    stopped = portal.post("/logout", data={"csrf_token": csrf(started)})
    assert stopped.status_code == 200 and "kijkt mee" not in stopped.text
