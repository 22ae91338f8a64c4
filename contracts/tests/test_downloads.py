"""A download's `Content-Disposition` by RFC 6266: whatever the file's name, the header is ASCII, says
only the kind and the name (an ASCII `filename` and the exact `filename*`), and a client reads the same
name back."""

import re
from email.message import Message

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from loket.contracts.runtime.downloads import content_disposition, file_name_of, passed_on

# RFC 6266 with RFC 8187: the kind; a quoted ASCII fallback; `UTF-8''` then attr-chars and %XX.
RFC_6266 = re.compile(
    r"^(attachment|inline); filename=\"[A-Za-z0-9._()+ -]+\"; "
    r"filename\*=UTF-8''(?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-F]{2})+$"
)
NAMES = {
    "plain": ("registrations-12AB01.csv", "registrations-12AB01.csv", "registrations-12AB01.csv"),
    "quote and semicolon": (
        'rapport "mei"; filename=x.exe',
        'rapport "mei"; filename=x.exe',
        "rapport _mei_ filename_x.exe",
    ),
    "accents": ("Verslag Zoë – groep 8.pdf", "Verslag Zoë – groep 8.pdf", "Verslag Zoe groep 8.pdf"),
    "outside latin-1": ("日本語 €.pdf", "日本語 €.pdf", "download.pdf"),
    "line breaks": ("a\r\nSet-Cookie: x=1.txt", "aSet-Cookie: x=1.txt", "aSet-Cookie_ x_1.txt"),
    "a folder": ("../../etc/passwd", "passwd", "passwd"),
    "nothing": (" . ", "download", "download"),
}


def parsed(header: str) -> dict[str, object]:
    message = Message()
    message["Content-Disposition"] = header
    return dict(message.get_params(header="content-disposition") or [])


@pytest.mark.parametrize(("name", "shown", "fallback"), list(NAMES.values()), ids=list(NAMES))
def test_any_name_makes_a_valid_header_that_gives_the_name_back(name: str, shown: str, fallback: str) -> None:
    header = content_disposition("attachment", name)

    assert RFC_6266.match(header), header
    assert header.startswith(f'attachment; filename="{fallback}"; ')
    assert header.count(";") == 2 and header.isascii()
    assert file_name_of(header) == shown
    assert "attachment" in parsed(header)


def test_the_header_goes_out_as_it_is_made() -> None:
    """Starlette writes headers as latin-1: a name outside it failed the answer (a 500) before."""
    app = FastAPI()

    @app.get("/file")
    def file() -> Response:
        return Response(b"%PDF", headers={"Content-Disposition": content_disposition("inline", "Zoë 日本.pdf")})

    answer = TestClient(app).get("/file")

    assert answer.status_code == 200
    assert (
        answer.headers["content-disposition"]
        == "inline; filename=\"Zoe.pdf\"; filename*=UTF-8''Zo%C3%AB%20%E6%97%A5%E6%9C%AC.pdf"
    )
    assert file_name_of(answer.headers["content-disposition"]) == "Zoë 日本.pdf"


def test_a_long_name_is_shortened_and_keeps_its_extension() -> None:
    header = content_disposition("attachment", "x" * 500 + ".pdf")

    name = file_name_of(header)
    assert name is not None and len(name) == 200 and name.endswith("xx.pdf")


def test_a_header_passed_on_is_read_by_its_exact_name_first() -> None:
    assert file_name_of("attachment; filename=\"x.pdf\"; filename*=UTF-8''%E2%82%AC.pdf") == "€.pdf"
    assert file_name_of('attachment; filename="oki-doc-10001.pdf"') == "oki-doc-10001.pdf"
    assert file_name_of('attachment; filename="../x.pdf"') == "x.pdf"
    assert file_name_of("attachment") is None
    assert file_name_of(None) is None


def test_only_attachment_or_inline() -> None:
    with pytest.raises(ValueError, match="not a disposition"):
        content_disposition("attachment; evil=1", "x.pdf")  # type: ignore[arg-type]


def test_a_download_passed_on_gets_a_header_made_here() -> None:
    """The portal passes on a service's file under its own header: the kind and the name, nothing else."""
    assert passed_on('inline; filename="oki-doc-10001.pdf"') == (
        "inline; filename=\"oki-doc-10001.pdf\"; filename*=UTF-8''oki-doc-10001.pdf"
    )
    assert passed_on('attachment; filename="a.csv"; evil="1"\r\nSet-Cookie: x') == (
        "attachment; filename=\"a.csv\"; filename*=UTF-8''a.csv"
    )
    assert passed_on(None, "registrations.csv") == (
        "attachment; filename=\"registrations.csv\"; filename*=UTF-8''registrations.csv"
    )
