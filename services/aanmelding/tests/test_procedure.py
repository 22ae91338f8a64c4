"""A region's procedure is data: Loket ships Zaanstad, Amstelland and Amsterdam (synthetic schools) and a
demo region, each checked on load; a file with a mistake is refused with errors that say what and where."""

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from loket.aanmelding.adapters.procedure_file import ProcedureInvalid, parse, shipped, shipped_regions
from loket.aanmelding.app import build
from loket.aanmelding.domain.procedure import TIME_ZONE, Mechanism, PriorityKind, Submission
from loket.aanmelding.settings import AanmeldingSettings

REGIONS = ("amstelland", "amsterdam", "zaanstad")


def test_loket_ships_the_three_regions_and_a_demo():
    assert set(shipped_regions()) == {*REGIONS, "demo"}
    for region in shipped_regions():
        assert shipped(region).region == region


@pytest.mark.parametrize(
    ("advice", "length"),
    [("vmbo_b", (2, 2)), ("vmbo_k/vmbo_gt", (2, 2)), ("vmbo_gt", (5, 5)), ("havo/vwo", (5, 5)), ("vwo", (5, 5))],
)
def test_amstelland_asks_two_schools_up_to_vmbo_k_gt_and_five_from_vmbo_gt(advice, length):
    assert shipped("amstelland").required_length(advice) == length


@pytest.mark.parametrize(
    ("advice", "least"), [("vmbo_b", 4), ("vmbo_k", 4), ("vmbo_k/vmbo_gt", 6), ("vmbo_gt/havo", 6), ("havo", 12)]
)
def test_amsterdam_asks_at_least_4_6_or_12_by_advice(advice, least):
    assert shipped("amsterdam").required_length(advice) == (least, None)


def test_zaanstad_ranks_every_school_that_fits_and_the_primary_school_forwards():
    zaanstad = shipped("zaanstad")
    fitting_schools = {school.brin for school, _ in zaanstad.fitting("havo")}

    assert zaanstad.required_length("havo") == (len(fitting_schools), len(fitting_schools))
    assert zaanstad.submission == Submission.PRIMARY_SCHOOL
    assert all(round_.forwarding is not None for round_ in zaanstad.rounds)
    assert PriorityKind.PERSONAL_CIRCUMSTANCES in zaanstad.priority_kinds


def test_amsterdam_matches_centrally_and_amstelland_lotteries_at_the_first_choice_first():
    assert shipped("amsterdam").rounds[0].mechanism == Mechanism.DA_STB
    assert shipped("amstelland").rounds[0].mechanism == Mechanism.FIRST_CHOICE_DA_STB


def test_results_are_published_at_a_moment_in_dutch_time():
    first = shipped("amsterdam").rounds[0]
    assert first.publication_at == datetime(2027, 4, 9, 15, 30, tzinfo=TIME_ZONE)


def test_the_invulhulp_lists_programs_that_share_a_level_with_the_advice():
    amstelland = shipped("amstelland")

    havo = {program.code for _, program in amstelland.fitting("havo")}
    pro = [program.kind for _, program in amstelland.fitting("pro")]

    assert havo and all("havo" in program.levels for _, program in amstelland.fitting("havo")), (
        "a havo advice fits havo, havo/vwo and mavo/havo"
    )
    assert not any(code.endswith("-bk") or code.endswith("-pro") for code in havo)
    assert pro == ["praktijkonderwijs"] and amstelland.required_length("pro") == (1, 1)


def test_a_school_may_offer_fewer_priorities_than_the_region():
    amstelland = shipped("amstelland")
    gymnasium = next(school for school in amstelland.schools if "gymnasium" in school.name.lower())
    assert amstelland.priorities_at(gymnasium) == (PriorityKind.SIBLING,)


GOOD = (Path(__file__).parents[1] / "src/loket/aanmelding/adapters/regions/demo.toml").read_text()


def problems_of(text: str) -> list[str]:
    with pytest.raises(ProcedureInvalid) as refused:
        parse(text, "regio.toml")
    return refused.value.problems


@pytest.mark.parametrize(
    ("mistake", "replacement", "problem"),
    [
        ('levels = ["havo"]', 'levels = ["hvo"]', "schools[0].programs[2].levels[0]: 'hvo' is not a level"),
        ("seats = 84", "seats = -1", "schools[1].programs[0].seats: Input should be greater than or equal to 0"),
        ('brin = "94AB00"', 'brin = "94AA00"', "schools[1].brin: 94AA00 appears twice"),
        ('brin = "94AB00"', 'brin = "94A"', "schools[1].brin: '94A' is not a BRIN number"),
        ('"vmbo_gt", "vmbo_gt/havo"', '"vmbo_gt/havo"', "list_length: no rule for the advice vmbo_gt"),
        ("min = 3\nmax = 3", "min = 3\nmax = 2", "list_length[1]: max 2 is below min 3"),
        (
            "min = 3\nmax = 3",
            "min = 9\nmax = 9",
            "list_length[1].min: the advice vmbo_gt asks for 9 choices, but only 3 programs in schools fit it",
        ),
        ("publication_at = 2027-07-02T15:30:00", "publication_at = 2027-07-01T15:30:00", "rounds[0]: publication_at"),
        ("reminders = [2027-06-23T10:00:00]", "reminders = [2027-08-01T10:00:00]", "rounds[0]: reminders[0]"),
        ('submission = "parent"', 'submission = "ouder"', "submission: Input should be 'parent' or 'primary_school'"),
        ("seats = 84", "seats = 84\n  stoelen = 3", "schools[1].programs[0].stoelen: is not a setting Loket knows"),
        ('name = "Demo Lyceum"\n', "", "schools[1].name: is missing"),
        (
            'priority_kinds = ["sibling", "staff_child"]',
            'priority_kinds = ["sibling"]',
            None,  # valid: the region offers fewer kinds
        ),
    ],
)
def test_a_mistake_in_a_procedure_file_is_refused_saying_what_and_where(mistake, replacement, problem):
    assert mistake in GOOD
    text = GOOD.replace(mistake, replacement, 1)
    if problem is None:
        assert parse(text, "regio.toml").priority_kinds == (PriorityKind.SIBLING,)
        return
    problems = problems_of(text)
    assert any(line.startswith(problem) for line in problems), problems


def test_a_file_that_is_not_toml_says_so_with_the_line():
    [problem] = problems_of('region = "demo"\nname = \n')
    assert problem.startswith("is not TOML") and "line 2" in problem


def test_an_instance_refuses_the_procedure_of_another_region(tmp_path):
    own = tmp_path / "amsterdam.toml"
    own.write_text(GOOD)  # the demo region's file

    with pytest.raises(ProcedureInvalid, match="this instance serves 'amsterdam'"):
        build(AanmeldingSettings(region="amsterdam", LOKET_AANMELDING_PROCEDURE_FILE=own, var_dir=tmp_path))


def test_operators_check_a_file_before_deploying_it(tmp_path):
    broken = tmp_path / "regio.toml"
    broken.write_text(GOOD.replace("seats = 84", "seats = -1", 1))
    command = [sys.executable, "-m", "loket.aanmelding", "check-procedure"]

    good = subprocess.run(
        [*command, str(Path(__file__).parents[1] / "src/loket/aanmelding/adapters/regions/zaanstad.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    bad = subprocess.run([*command, str(broken)], capture_output=True, text=True, check=False)

    assert good.returncode == 0 and "6 schools" in good.stdout and "valid" in good.stdout
    assert bad.returncode == 2 and f"{broken}: schools[1].programs[0].seats" in bad.stderr
    assert "Traceback" not in bad.stderr


async def test_a_portal_reads_the_procedure_and_the_invulhulp(tmp_path):
    _, app = build(AanmeldingSettings(region="amstelland", var_dir=tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://aanmelding") as client:
        procedure = (await client.get("/procedure")).json()
        invulhulp = (await client.get("/procedure/programs", params={"advice": "vmbo_gt/havo"})).json()
        wrong = await client.get("/procedure/programs", params={"advice": "mavo"})

    assert procedure["region"] == "amstelland" and len(procedure["schools"]) == 7
    assert [round_["name"] for round_ in procedure["rounds"]] == ["1e ronde", "2e ronde", "afrondingsfase"]
    assert invulhulp["length"] == {"min": 5, "max": 5, "ranks": "programs"} and not invulhulp["choose_one"]
    assert {"vmbo_gt", "havo"} & set(invulhulp["programs"][0]["levels"])
    assert all(set(kinds) <= {"sibling", "staff_child"} for kinds in invulhulp["priority_kinds"].values())
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["query", "advice"]
