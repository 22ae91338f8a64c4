"""The secondary school decides on the registrations made with it: it places a pupil (Geplaatst, with a
stream), cannot place one for support needs (the registration is void; the pupil registers elsewhere),
withdraws one, flags a tafelmiddag, keeps its own notes, and exports its registrations (all, or those
of pupils from outside the region) and withdrawals as CSV and XLSX."""

import csv
import io
from datetime import timedelta

from aanmelding_support import PRIMARY_SCHOOL
from openpyxl import load_workbook

SERVICE = "aanmelding"
LYCEUM = "94AB00"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
TO_COLLEGE = ["94AA00-havo", "94AB00-hv", "94AC00-havo"]


async def registered(aanmelding, programs=TO_LYCEUM):  # type: ignore[no-untyped-def]
    pupil = await aanmelding.pupil_with_advice("havo")
    return pupil, (await aanmelding.register(pupil, programs)).json()["id"]


async def test_the_school_places_a_pupil_in_a_stream_and_flags_a_tafelmiddag(aanmelding):
    _, registration = await registered(aanmelding)
    lyceum = aanmelding.teacher(LYCEUM)

    placed = await aanmelding.call("POST", f"/registrations/{registration}/placement", lyceum, json={"stream": "tto"})
    flagged = await aanmelding.call(
        "PUT", f"/registrations/{registration}/tafelmiddag", lyceum, json={"tafelmiddag": True}
    )

    assert placed.status_code == 200 and flagged.status_code == 200
    [row] = (await aanmelding.call("GET", f"/schools/{LYCEUM}/registrations", lyceum)).json()
    assert (row["id"], row["placed_stream"], row["tafelmiddag"]) == (registration, "tto", True)
    assert row["school_placed_at"] is not None
    college = aanmelding.teacher("94AA00")
    assert (
        await aanmelding.call("POST", f"/registrations/{registration}/placement", college, json={})
    ).status_code == 404


async def test_the_school_keeps_its_own_notes_on_a_registration_which_nobody_else_reads(aanmelding):
    pupil, registration = await registered(aanmelding)
    lyceum, notes = (
        aanmelding.token("school_user", "mentor-1", schools=[LYCEUM]),
        f"/registrations/{registration}/notes",
    )

    first = await aanmelding.call("POST", notes, lyceum, json={"text": "Broer zit in 3 havo."})
    aanmelding.clock.now += timedelta(minutes=5)
    colleague = aanmelding.token("school_admin", "admin-1", schools=[LYCEUM])
    second = await aanmelding.call("POST", notes, colleague, json={"text": "Intake op 12 maart."})
    blank = await aanmelding.call("POST", notes, lyceum, json={"text": "   "})

    assert (first.status_code, second.status_code) == (201, 201)
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "text"]
    read = (await aanmelding.call("GET", notes, lyceum)).json()
    assert [(note["text"], note["author"], note["school_brin"]) for note in read] == [
        ("Broer zit in 3 havo.", "mentor-1", LYCEUM),
        ("Intake op 12 maart.", "admin-1", LYCEUM),
    ]
    region = aanmelding.token("region_admin")
    assert [note["text"] for note in (await aanmelding.call("GET", notes, region)).json()] == [
        "Broer zit in 3 havo.",
        "Intake op 12 maart.",
    ]
    assert (await aanmelding.call("POST", notes, region, json={"text": "x"})).status_code == 403
    for outsider in (aanmelding.teacher("94AA00"), aanmelding.teacher(), aanmelding.parent(pupil)):
        assert (await aanmelding.call("GET", notes, outsider)).status_code == 404
        assert (await aanmelding.call("POST", notes, outsider, json={"text": "x"})).status_code == 404


async def test_a_pupil_the_school_cannot_place_for_support_needs_registers_elsewhere(aanmelding):
    pupil, registration = await registered(aanmelding)
    lyceum = aanmelding.teacher(LYCEUM)

    unsaid = await aanmelding.call(
        "POST", f"/registrations/{registration}/support-refusal", lyceum, json={"reason": " "}
    )
    voided = await aanmelding.call(
        "POST", f"/registrations/{registration}/support-refusal", lyceum, json={"reason": "ondersteuningsbehoefte"}
    )
    elsewhere = await aanmelding.register(pupil, TO_COLLEGE)

    assert unsaid.status_code == 422 and unsaid.json()["detail"][0]["loc"] == ["body", "reason"]
    assert voided.json()["state"] == "voided" and voided.json()["withdrawal_reason"] == "ondersteuningsbehoefte"
    assert elsewhere.json()["state"] == "submitted" and elsewhere.json()["goes_to"] == "94AA00"
    assert (await aanmelding.call("GET", f"/schools/{LYCEUM}/registrations", lyceum)).json() == []
    history = (await aanmelding.call("GET", f"/pupils/{pupil}/registration", aanmelding.parent(pupil))).json()
    assert [earlier["state"] for earlier in history["history"]] == ["voided"]
    [told] = await aanmelding.events("aanmelding.registration.ended_by_school.v1")  # the parents get a mail
    assert (told["registration_id"], told["school_brin"], told["support_needs"]) == (registration, LYCEUM, True)
    assert "ondersteuningsbehoefte" not in str(told)  # the school's reason stays in aanmelding


async def test_the_primary_school_and_the_region_see_the_registration_the_school_could_not_place(aanmelding):
    pupil, registration = await registered(aanmelding)
    _, kept = await registered(aanmelding)
    reason = "wij kunnen de ondersteuning niet bieden; overleg met de basisschool"
    await aanmelding.call(
        "POST", f"/registrations/{registration}/support-refusal", aanmelding.teacher(LYCEUM), json={"reason": reason}
    )
    primary_school, region = aanmelding.teacher(), aanmelding.token("region_admin")

    pupils = (await aanmelding.call("GET", f"/schools/{PRIMARY_SCHOOL}/pupils", primary_school)).json()
    listed = (await aanmelding.call("GET", "/rounds/ronde-1/ended-by-school", region)).json()
    await aanmelding.register(pupil, TO_COLLEGE)
    after = (await aanmelding.call("GET", f"/schools/{PRIMARY_SCHOOL}/pupils", primary_school)).json()
    listed_after = (await aanmelding.call("GET", "/rounds/ronde-1/ended-by-school", region)).json()
    by_school = await aanmelding.call("GET", "/rounds/ronde-1/ended-by-school", aanmelding.teacher(LYCEUM))

    [ended] = [row["ended_by_school"]["ronde-1"] for row in pupils if row["pupil_id"] == str(pupil)]
    assert (ended["registration_id"], ended["school_brin"], ended["support_needs"], ended["reason"]) == (
        registration,
        LYCEUM,
        True,
        reason,
    )
    assert all(row["ended_by_school"] == {} for row in pupils if row["pupil_id"] != str(pupil))
    assert [row["ended_by_school"] for row in after if row["pupil_id"] == str(pupil)] == [{}]  # registered again
    assert [(row["pupil_id"], row["primary_school"], row["registered_again"]) for row in listed] == [
        (str(pupil), PRIMARY_SCHOOL, False)
    ]
    assert [row["registered_again"] for row in listed_after] == [True]
    assert by_school.status_code == 403 and kept not in str(listed)
    paged = await aanmelding.call("GET", "/rounds/ronde-1/ended-by-school", region, params={"limit": 1, "offset": 1})
    assert (paged.json(), paged.headers["x-total-count"]) == ([], "1")  # the region's list, a page at a time


async def test_the_school_exports_its_registrations_with_every_choice_and_its_withdrawals(aanmelding):
    _, kept = await registered(aanmelding)
    _, gone = await registered(aanmelding)
    await registered(aanmelding, TO_COLLEGE)
    lyceum = aanmelding.teacher(LYCEUM)
    await aanmelding.call("POST", f"/registrations/{gone}/school-withdrawal", lyceum, json={"reason": "andere school"})

    as_csv = await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/registrations.csv", lyceum)
    as_xlsx = await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/registrations.xlsx", lyceum)
    withdrawals = await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/withdrawals.csv", lyceum)

    [row] = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert row["registration"] == kept and row["choice_1"].endswith("(94AB00-hv)") and row["choice_3"]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]][:2] == ["registration", "pupil"] and sheet.max_row == 2
    [gone_row] = list(csv.DictReader(io.StringIO(withdrawals.content.decode("utf-8-sig")), delimiter=";"))
    assert (gone_row["registration"], gone_row["by"], gone_row["reason"]) == (gone, "school", "andere school")
    other = aanmelding.teacher("94AC00")
    assert (await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/registrations.csv", other)).status_code == 404


async def test_the_school_exports_the_pupils_who_go_into_its_lottery_with_the_twins_marked(aanmelding):
    """ELK's "decentrale loting": the pupils registered with the school that it has not placed."""
    _, placed = await registered(aanmelding)
    _, waiting = await registered(aanmelding)
    twin_a = await aanmelding.pupil_with_advice("havo", elk_number="20001")
    twin_b = await aanmelding.pupil_with_advice("havo", elk_number="20002")
    for twin, other in ((twin_a, "20002"), (twin_b, "20001")):
        multiple_birth = {"is_multiple": True, "sibling_elk_number": other, "registering_together": True}
        assert (await aanmelding.register(twin, TO_LYCEUM, multiple_birth=multiple_birth)).status_code == 200
    await registered(aanmelding, TO_COLLEGE)
    lyceum = aanmelding.teacher(LYCEUM)
    await aanmelding.call("POST", f"/registrations/{placed}/placement", lyceum, json={})

    lottery = await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/lottery.xlsx", lyceum)

    sheet = load_workbook(io.BytesIO(lottery.content)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert placed not in {row["registration"] for row in rows} and waiting in {row["registration"] for row in rows}
    twins = sorted((row["elk_number"], row["twin_elk_number"]) for row in rows if row["multiple_birth"] == "yes")
    assert twins == [("20001", "20002"), ("20002", "20001")]
    assert len(rows) == 3  # not the pupil whose first choice is the college


async def test_the_school_exports_the_pupils_from_outside_the_region_with_their_school_of_origin(aanmelding):
    """Buitenleerlingen (a `B` number): "een overzicht buitenleerlingen exporteren", with the BRIN of the
    school they come from."""
    lina = await aanmelding.pupil_with_advice("havo", school="09XY00", elk_number="B10001")
    noor = await aanmelding.pupil_with_advice("havo", elk_number="10001")
    for pupil in (lina, noor):
        assert (await aanmelding.register(pupil, TO_LYCEUM)).status_code == 200
    lyceum = aanmelding.teacher(LYCEUM)

    external = await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/external.csv", lyceum)
    everyone = await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/registrations.csv", lyceum)

    [row] = list(csv.DictReader(io.StringIO(external.content.decode("utf-8-sig")), delimiter=";"))
    assert (row["pupil"], row["elk_number"], row["primary_school"]) == (str(lina), "B10001", "09XY00")
    assert external.headers["content-disposition"] == (
        f"attachment; filename=\"external-{LYCEUM}.csv\"; filename*=UTF-8''external-{LYCEUM}.csv"
    )
    rows = list(csv.DictReader(io.StringIO(everyone.content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row["elk_number"] for row in rows) == ["10001", "B10001"]
