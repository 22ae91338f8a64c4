"""Attachments to the OKI-doc: the primary school attaches PDF, PNG or JPEG files (what their bytes
say, within the size limit, while the OKI-doc is not final); whoever reads the OKI-doc downloads them,
as attachments that a browser will not render inline; every download is audited."""

import hashlib
from uuid import UUID

from dossier_support import PDF, SECONDARY_SCHOOL, Dossier, world

from loket.dossier.domain.attachments import DEFAULT_MAX_BYTES
from loket.dossier.domain.oki_doc import OkiDocStatus
from loket.dossier.persistence.models import OkiDoc

SERVICE = "dossier"

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


async def attach(dossier: Dossier, pupil: str, headers: dict[str, str], content: bytes, kind: str, name: str = ""):  # type: ignore[no-untyped-def]
    return await dossier.client.post(
        f"/pupils/{pupil}/oki-doc/attachments",
        content=content,
        params={"file_name": name} if name else {},
        headers={**headers, "Content-Type": kind},
    )


async def test_a_file_attached_by_the_school_is_downloaded_as_it_was_by_its_readers(dossier: Dossier):
    the_world = await world(dossier)
    teacher = dossier.school_user(groups=("8a",))

    added = await attach(dossier, the_world.noor, teacher, PNG, "image/png", "../../schoolfoto\x00 groep 8")

    assert added.status_code == 201, added.text
    body = added.json()
    assert body["file_name"] == "schoolfoto groep 8.png"  # no folders, no control characters
    assert (body["media_type"], body["size"], body["sha256"]) == (
        "image/png",
        len(PNG),
        hashlib.sha256(PNG).hexdigest(),
    )
    listed = await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc/attachments", teacher)
    assert [a["id"] for a in listed.json()] == [the_world.noor_attachment, body["id"]]
    for reader in [teacher, dossier.parent(the_world.noor), dossier.school_admin(SECONDARY_SCHOOL)]:
        got = await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc/attachments/{body['id']}", reader)
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"] == (
            "attachment; filename=\"schoolfoto groep 8.png\"; filename*=UTF-8''schoolfoto%20groep%208.png"
        )
        assert got.headers["x-content-type-options"] == "nosniff" and got.headers["cache-control"] == "no-store"
    # Daan's attachment through Noor's path, or Noor's for a secondary school she is not registered with
    crossed = f"/pupils/{the_world.noor}/oki-doc/attachments/{the_world.daan_attachment}"
    assert (await dossier.call("GET", crossed, dossier.region_admin())).status_code == 404
    trail = (await dossier.call("GET", f"/pupils/{the_world.noor}/audit", dossier.school_admin())).json()
    reads = [entry["detail"] for entry in trail if entry["action"] == "attachment.read"]
    assert {"attachment": body["id"], "secondary_school": SECONDARY_SCHOOL} in reads and len(reads) == 2


async def test_only_pdf_png_and_jpeg_that_are_what_they_say_within_the_limit_while_not_final(dossier: Dossier):
    the_world = await world(dossier)
    admin = dossier.school_admin()

    html = await attach(dossier, the_world.noor, admin, b"<html><script>alert(1)</script></html>", "text/html")
    disguised = await attach(dossier, the_world.noor, admin, b"<html></html>", "application/pdf", "advies.pdf")
    empty = await attach(dossier, the_world.noor, admin, b"", "application/pdf")

    assert html.status_code == 422 and html.json()["detail"][0]["loc"] == ["body", "content-type"]
    assert disguised.status_code == 422 and "not a application/pdf" in disguised.json()["detail"][0]["msg"]
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "file"]
    listed = await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc/attachments", admin)
    assert len(listed.json()) == 1  # only the one the world attached
    jpeg = await attach(dossier, the_world.noor, admin, b"\xff\xd8\xff\xe0" + bytes(32), "image/jpeg", "scan.JPEG")
    assert jpeg.status_code == 201 and jpeg.json()["file_name"] == "scan.JPEG"


async def test_a_file_over_the_limit_and_an_attachment_to_a_final_oki_doc_are_refused(dossier: Dossier):
    the_world = await world(dossier)
    admin = dossier.school_admin()

    big = await attach(dossier, the_world.noor, admin, PDF + bytes(DEFAULT_MAX_BYTES), "application/pdf")
    assert big.status_code == 413
    stored = await dossier.call(
        "PATCH", f"/pupils/{the_world.noor}/oki-doc", admin, json={"advice": {"tafelmiddag": True}}
    )
    assert stored.status_code == 200
    async with dossier.runtime.database.transaction() as session:
        oki = await session.get(OkiDoc, UUID(the_world.noor))
        assert oki is not None
        oki.status = OkiDocStatus.FINAL  # Definitief: locked
        session.add(oki)
    locked = await attach(dossier, the_world.noor, admin, PDF, "application/pdf")
    assert locked.status_code == 409
    listed = await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc/attachments", admin)
    assert len(listed.json()) == 1
