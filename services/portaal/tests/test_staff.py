"""Where staff land and what they can go to; lists paged on the server; a parent never gets a staff page."""

import tomllib
from pathlib import Path

from portaal_support import access, sign_in

from loket.portaal.domain.listing import Listing
from loket.portaal.domain.navigation import FORWARDING_REGIONS, navigation


def test_a_region_administrator_starts_at_the_region(portal, services):
    sign_in(portal, services, access(role="region_admin"))
    assert portal.get("/staff", follow_redirects=False).headers["location"] == "/region"
    assert portal.get("/", follow_redirects=False).headers["location"] == "/staff"


def test_school_staff_start_at_their_school_as_primary_or_secondary(portal, services):
    services.on("GET", "/schools/12AB01", {"brin": "12AB01", "name": "De Regenboog", "sector": "primary"})
    sign_in(portal, services, access(role="school_user", schools=["12AB01"], groups=["g-8a"]))
    assert portal.get("/staff", follow_redirects=False).headers["location"] == "/po/12AB01"


def test_a_boards_contact_chooses_one_of_the_boards_schools(portal, services):
    services.on("GET", "/schools/12AB01", {"brin": "12AB01", "name": "De Regenboog", "sector": "primary"})
    services.on("GET", "/schools/34CD02", {"brin": "34CD02", "name": "Het Lyceum", "sector": "secondary"})
    sign_in(portal, services, access(role="board_contact", board="B1", schools=["12AB01", "34CD02"]))
    page = portal.get("/staff")
    assert page.status_code == 200
    assert 'href="/po/12AB01"' in page.text and 'href="/vo/34CD02"' in page.text
    assert 'aria-label="Menu voor medewerkers"' in page.text


def test_a_parent_gets_the_not_found_page_for_a_staff_page(portal, services):
    sign_in(portal, services, access())
    page = portal.get("/staff")
    assert page.status_code == 404
    assert "Menu voor medewerkers" not in page.text


def test_signed_out_staff_pages_lead_to_the_login(portal):
    assert portal.get("/staff", follow_redirects=False).headers["location"] == "/login?next=/staff"


def test_a_listing_asks_the_service_for_one_sorted_page_and_keeps_its_filters():
    listing = Listing.of(
        "/po/12AB01", {"page": "3", "sort": "-name", "group": "8a", "x": "y"}, ["name"], "name", ["group"]
    )
    assert listing.params() == {"limit": 50, "offset": 100, "sort": "-name", "group": "8a"}
    assert listing.sorted_by("name") == "/po/12AB01?sort=name&group=8a"
    assert listing.sorted_by("group") == "/po/12AB01?sort=group&group=8a"
    assert listing.href(page=4) == "/po/12AB01?sort=-name&group=8a&page=4"
    assert listing.pages(101) == 3 and listing.pages(0) == 1


def test_an_old_address_with_a_sort_that_is_gone_still_opens_the_list():
    listing = Listing.of("/vo/34CD02", {"sort": "shoe_size", "page": "x"}, ["name"], "-name")
    assert (listing.sort, listing.page) == ("-name", 1)


def test_the_menu_shows_the_rooms_of_where_the_person_is():
    links = navigation("school_admin", "/po/12AB01/pupils/42")
    assert [(link.href, link.current) for link in links] == [
        ("/po/12AB01", True),
        ("/po/12AB01/imports", False),
        ("/po/12AB01/questions", False),
        ("/account/security", False),
    ]
    region = navigation("region_admin", "/region/staff")
    assert [link.href for link in region if link.current] == ["/region/staff"]
    assert navigation("parent", "/") == []


def test_a_primary_school_forwards_lists_where_its_region_says_so():
    links = navigation("school_admin", "/po/12AB01/forwarding/p-1", "zaanstad")
    assert [(link.href, link.current) for link in links][:2] == [("/po/12AB01", False), ("/po/12AB01/forwarding", True)]
    assert "/po/12AB01/forwarding" not in [link.href for link in navigation("school_admin", "/po/12AB01", "amsterdam")]
    regions = Path(__file__).resolve().parents[2] / "aanmelding/src/loket/aanmelding/adapters/regions"
    forwarding = {
        path.stem
        for path in regions.glob("*.toml")
        if tomllib.loads(path.read_text()).get("submission") == "primary_school"
    }
    assert forwarding == FORWARDING_REGIONS
