"""Letters as PDFs: they open, say what they must (the pupil's name, the date in Dutch, the case
reference), use the school's own template and logo, come out one PDF per letter from one batch, and
print a field holding HTML or a file:// URL as text without fetching anything."""

import base64
import http.server
import io
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from loket.notificatie.adapters.letters.rendering import TEMPLATES, InvalidLetter, Letter, Printer

TODAY = date(2026, 12, 1)
PNG = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f0c6e00000000049454e44ae426082"
        )
    ).decode()
)


def placement(pupil: str = "Noor de Vries", school: str | None = "12AB01", **extra: object) -> Letter:
    fields = {
        "school_name": "Lindeschool",
        "school_address": ["Lindelaan 1", "2500 AA Den Haag"],
        "parent_name": "familie De Vries",
        "address": ["Kerkstraat 1", "2500 AB Den Haag"],
        "pupil_name": pupil,
        "pupil_birth_date": date(2014, 3, 9),
        "case_reference": "OT-4411",
        "signatory_name": "J. Jansen",
        "signatory_role": "directeur",
        **extra,
    }
    return Letter("placement_letter", fields, school, reference="OT-4411")


def text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def printer() -> Printer:
    return Printer(sender="Loket demo")


@pytest.fixture
def web() -> Iterator[list[str]]:
    """A web server that records every request it gets: the letters must make none."""
    asked: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    asked.append(f"http://127.0.0.1:{server.server_address[1]}")  # asked[0] is the address itself
    yield asked
    server.shutdown()
    server.server_close()


def test_a_placement_letter_opens_and_names_the_pupil_the_date_in_dutch_and_the_case(printer):
    pdf = printer.pdf(placement(), today=TODAY)

    said = text(pdf)
    assert pdf.startswith(b"%PDF-")
    assert "Noor de Vries" in said and "9 maart 2014" in said
    assert "1 december 2026" in said and "Kenmerk OT-4411" in said
    assert "J. Jansen" in said and "binnen 4 weken" in said


def test_a_school_with_its_own_template_and_logo_gets_them_and_another_school_the_regions(printer):
    own, plain = printer.pdfs([placement(school="12AB01"), placement(school="34CD02")], today=TODAY)

    assert "na de zomer te verwelkomen op de Lindeschool" in text(own)
    assert "na de zomer" not in text(plain) and "Met vriendelijke groet" in text(plain)
    assert printer.fetcher.refused == []


def test_an_uploaded_logo_as_a_data_uri_is_printed(printer):
    pdf = printer.pdf(placement(school="34CD02", logo=PNG), today=TODAY)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1


def test_one_batch_gives_each_pupil_a_pdf_of_its_own(printer):
    names = [f"Leerling {n:03d}" for n in range(25)]
    pdfs = printer.pdfs([placement(name) for name in names], today=TODAY)

    assert len(pdfs) == 25
    for name, pdf in zip(names, pdfs, strict=True):
        said = text(pdf)
        assert name in said and [other for other in names if other != name and other in said] == []
    assert len(PdfReader(io.BytesIO(printer.batch_pdf([placement(name) for name in names]))).pages) == 25


def test_a_letter_longer_than_a_page_stays_one_pdf_in_a_batch(printer):
    twelve = [{"school": f"School {n}", "program": "havo"} for n in range(1, 13)]
    fields = {"school_name": "Lindeschool", "pupil_name": "Noor de Vries", "elk_number": "10001", "advice": "havo"}
    long_list = Letter("registration_summary", {**fields, "preferences": twelve * 3, "priority_claims": []})

    first, second = printer.pdfs([long_list, placement("Daan Jansen")], today=TODAY)

    assert len(PdfReader(io.BytesIO(first)).pages) > 1
    assert "Noor de Vries" in text(first) and "Daan Jansen" not in text(first)
    assert "Daan Jansen" in text(second) and len(PdfReader(io.BytesIO(second)).pages) == 1


def test_the_proof_of_registration_the_control_document_and_the_proces_verbaal_print(printer):
    preferences = [{"school": "Het Lyceum", "program": "havo/vwo"}, {"school": "Het College", "program": "havo"}]
    receipt, summary, report = printer.pdfs(
        [
            Letter(
                "registration_receipt",
                {
                    "school_name": "Lindeschool",
                    "pupil_name": "Noor de Vries",
                    "elk_number": "10001",
                    "registered_at": datetime(2027, 3, 10, 14, 5, tzinfo=UTC),
                    "case_reference": "A-1",
                    "preferences": preferences,
                },
            ),
            Letter(
                "registration_summary",
                {
                    "school_name": "Lindeschool",
                    "pupil_name": "Noor de Vries",
                    "elk_number": "10001",
                    "advice": "havo/vwo",
                    "preferences": preferences,
                    "priority_claims": ["broer/zus op Het Lyceum"],
                },
            ),
            Letter(
                "notarial_report",
                {
                    "label": "Centrale loting 2027",
                    "region": "demo",
                    "run_id": "3f0c",
                    "commitment_sha256": "ab" * 32,
                    "commitment_published_at": datetime(2027, 4, 1, 9, 0, tzinfo=UTC),
                    "seed_sources": [{"name": "notaris", "value": "7 3 1 9 4 4"}],
                    "entered_by": "mr. A. de Notaris",
                    "entered_at": datetime(2027, 4, 1, 10, 0, tzinfo=UTC),
                    "market_sha256": "cd" * 32,
                    "result_sha256": "ef" * 32,
                    "statistics": {"leerlingen": 812, "geplaatst": 790},
                    "notary": "mr. A. de Notaris",
                },
            ),
        ],
        today=TODAY,
    )
    assert "Bewijs van aanmelding" in text(receipt) and "10 maart 2027, 15:05" in text(receipt)
    assert "Het Lyceum" in text(receipt) and "Noor de Vries" in text(receipt)
    assert "Controledocument" in text(summary) and "broer/zus op Het Lyceum" in text(summary)
    assert "Proces-verbaal loting" in text(report) and "1 april 2027, 11:00" in text(report)


def test_a_name_holding_html_or_a_file_url_prints_as_text_and_fetches_nothing(printer, web):
    address = web[0]
    name = f'<img src="file:///etc/passwd"><link rel="stylesheet" href="{address}/steal.css"> file:///etc/hostname'
    pdf = printer.pdf(placement(name), today=TODAY)

    said = text(pdf).replace("\n", "")
    assert '<img src="file:///etc/passwd">' in said and "file:///etc/hostname" in said
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0  # no image (the school's logo is vector art)
    assert web[1:] == [] and printer.fetcher.refused == []  # nothing asked, nothing even tried


def test_the_fetcher_refuses_everything_not_packaged_with_the_templates(web):
    printer = Printer()
    address = web[0]
    outside = (TEMPLATES / ".." / "rendering.py").as_uri()  # next to the templates, not among them
    html = (
        f'<img src="file:///etc/hostname"><img src="{address}/pixel.png">'
        f'<img src="{outside}"><img src="schools/12AB01/logo.svg">'
    )
    from weasyprint import HTML

    HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=printer.fetcher).render()

    assert printer.fetcher.refused == ["file:///etc/hostname", f"{address}/pixel.png", outside]  # not the logo
    assert web[1:] == []  # the web server was never asked


@pytest.mark.parametrize(
    ("letter", "says"),
    [
        (Letter("love_letter", {}), "no letter of kind 'love_letter'"),
        (placement(school="../../etc"), "not a BRIN number"),
        (placement(logo="file:///etc/passwd"), "logo must be a data:image"),
        (placement(signature="https://example.org/sig.png"), "signature must be a data:image"),
    ],
)
def test_a_letter_that_cannot_be_printed_is_refused_and_says_why(printer, letter, says):
    with pytest.raises(InvalidLetter, match=says):
        printer.pdf(letter)


def test_the_packaged_fonts_are_the_ones_used(printer):
    pdf = printer.pdf(placement(), today=TODAY)
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
        for font in [font.get_object()]
    }
    assert fonts and all(font.endswith("+Letter-Sans") for font in fonts), fonts  # subset of the packaged font
    assert Path(TEMPLATES / "fonts" / "LICENSE").is_file()
