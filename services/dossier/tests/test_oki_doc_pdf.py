"""The OKI-doc as a PDF: whoever reads the OKI-doc gets it, each read by staff is audited, every field is
escaped text, and the renderer fetches nothing (no file, no network), whatever a field holds."""

import io
from pathlib import Path

from dossier_support import SECONDARY_SCHOOL, Dossier, world
from pypdf import PdfReader

from loket.dossier.adapters.oki_doc_pdf import OkiDocPdf, RefusingFetcher

SERVICE = "dossier"

HOSTILE = '<img src="file:///etc/passwd">'


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def passwd_lines() -> list[str]:
    """Lines of this machine's /etc/passwd, which must never end up in a PDF."""
    return [line for line in Path("/etc/passwd").read_text().splitlines() if line.startswith("root:")]


async def test_the_oki_doc_pdf_holds_the_pupil_and_renders_a_hostile_field_as_text(dossier: Dossier, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(RefusingFetcher, "fetch", lambda self, url, headers=None: asked.append(url))
    the_world = await world(dossier)
    teacher = dossier.school_user(groups=("8a",))
    parts = {
        "advice": {
            "support_advice": HOSTILE,
            "provisional_8": {"level": "havo", "motivation": "Werkt <b>zelfstandig</b>"},
        },
        "support": {"didactic": [{"item": "Begrijpend lezen", "assessment": "needs_attention"}]},
    }
    assert (await dossier.call("PATCH", f"/pupils/{the_world.noor}/oki-doc", teacher, json=parts)).status_code == 200

    response = await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc.pdf", teacher)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = text_of(response.content)
    assert "Noor de Vries" in text and "havo" in text and "vraagt aandacht" in text
    assert 'src="file:///etc/passwd"' in text.replace("\n", "")  # the field as typed, as text
    assert "Werkt <b>zelfstandig</b>" in text
    assert not any(line in text for line in passwd_lines())
    assert asked == []  # nothing was even tried
    trail = (await dossier.call("GET", f"/pupils/{the_world.noor}/audit", dossier.school_admin())).json()
    assert [e["detail"] for e in trail if e["action"] == "dossier.read"][-1] == {"format": "pdf"}


async def test_whoever_reads_the_oki_doc_gets_the_pdf_and_nobody_else(dossier: Dossier):
    the_world = await world(dossier)
    readers = [dossier.parent(the_world.noor), dossier.school_admin(SECONDARY_SCHOOL), dossier.region_admin()]
    for headers in readers:
        response = await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc.pdf", headers)
        assert response.status_code == 200 and "Noor de Vries" in text_of(response.content)
    for pupil, headers in [(the_world.noor, dossier.parent(the_world.sem)), (the_world.sem, readers[1])]:
        assert (await dossier.call("GET", f"/pupils/{pupil}/oki-doc.pdf", headers)).status_code == 404


def test_the_renderer_refuses_files_and_the_network_even_in_markup():
    fetcher = RefusingFetcher()
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head>'
        '<body><p>Noor</p><img src="file:///etc/passwd"><img src="data:image/png;base64,AAAA"></body></html>'
    )

    pdf = OkiDocPdf().render_html(html, fetcher)

    assert sorted(fetcher.refused) == sorted(
        ["http://127.0.0.1:9/evil.css", "file:///etc/passwd", "data:image/png;base64,AAAA"]
    )
    text = text_of(pdf)
    assert "Noor" in text and not any(line in text for line in passwd_lines())
