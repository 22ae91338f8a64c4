"""The control document and the proof of registration are printed from what aanmelding recorded, never from
what a browser sends: identity, dossier, aanmelding and notificatie as processes of their own, over the real
broker and databases. A parent ranks the schools and checks the control document, submits, and downloads
the proof, which shows the recorded schools and the child's name from dossier; what the parent sends with
the request is not printed, the old routes that printed it are gone, and another parent gets nothing:
aanmelding's and dossier's checks, with the parent's own token, are the gate. The confirmation mail links to
the portal's proof page (it carries no PDF: an event brings no parent's token to read the record with)."""

import io
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from e2e.test_registration_to_placement import SCHOOL, Region, choose, procedure_around
from loket_test_support import IDLE_CLOSED_FIRST, eventually, text_of
from pypdf import PdfReader

REGION = "amsterdam"
PROOF_PAGE = "https://ouders.loket.example/aanmelding/bewijs"


def said(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


@pytest.mark.timeout(300)
async def test_the_parent_downloads_the_proof_of_what_aanmelding_recorded(start_services, smtp, tmp_path):
    # the round's registration is open for the whole test: its window closes minutes from now
    (tmp_path / "procedure.toml").write_text(procedure_around(REGION, datetime.now(UTC) + timedelta(minutes=10)))
    services = await start_services(
        "identity",
        "dossier",
        "aanmelding",
        LOKET_REGION=REGION,
        LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml"),
    )
    services |= await start_services(
        "notificatie",
        LOKET_REGION=REGION,
        LOKET_NOTIFICATIE_AANMELDING_URL=services["aanmelding"].url,
        LOKET_NOTIFICATIE_DOSSIER_URL=services["dossier"].url,
        LOKET_NOTIFICATIE_PROOF_PAGE_URL=PROOF_PAGE,
    )
    async with httpx.AsyncClient(timeout=30, limits=IDLE_CLOSED_FIRST) as client:
        r = Region(REGION, services, client, tmp_path / "var", smtp)
        noor = await r.pupil_with_a_parent(0, "2014-03-09", "ouder.noor@example.org")
        sem = await r.pupil_with_a_parent(1, "2014-05-17", "ouder.sem@example.org")
        for pupil in (noor, sem):
            await r.final_advice(pupil)

        async def both_open() -> bool:
            seen = await r.call("aanmelding", "GET", f"/schools/{SCHOOL}/pupils", r.teacher)
            return len(seen) == 2 and all(row["readiness"] == "open" for row in seen)

        await eventually(both_open, within=60, what="aanmelding to hear both final advices")
        helper = await r.call("aanmelding", "GET", "/procedure/programs", noor.parent, params={"advice": noor.advice})
        noor.programs = choose(helper, random.Random("documents"), popular=True)
        programs = {program["code"]: program for program in helper["programs"]}
        first, second = programs[noor.programs[0]], programs[noor.programs[1]]
        documents = f"{services['notificatie'].url}/pupils/{noor.id}/documents"

        # ranked, not submitted: the control document shows the list; there is no proof yet
        await r.start(noor)
        control = await client.get(f"{documents}/control-document.pdf", headers=noor.parent)
        early = await client.get(f"{documents}/proof-of-registration.pdf", headers=noor.parent)
        checked = said(control)
        assert "Controledocument" in checked and "Kind0 Test" in checked and noor.elk_number in checked
        assert checked.index(first["school_name"]) < checked.rindex(second["school_name"])
        assert early.status_code == 409 and early.json()["code"] == "not_submitted", early.text

        await r.finish(noor)
        proof = await client.get(f"{documents}/proof-of-registration.pdf", headers=noor.parent)
        received = said(proof)
        assert "Bewijs van aanmelding" in received and "Kind0 Test" in received and noor.elk_number in received
        assert noor.registration is not None and noor.registration in received
        assert first["school_name"] in received and first["name"] in received and second["school_name"] in received

        # what the browser sends is not printed: the old routes are gone, a body or query is ignored
        forged = {
            "pupil_id": noor.id,
            "pupil_name": "Iemand Anders",
            "elk_number": "99999",
            "school_name": "Het Vervalste Gymnasium",
            "preferences": [{"school": "Het Vervalste Gymnasium", "program": "gymnasium"}],
            "registered_at": "2027-01-01T09:00:00+01:00",
            "case_reference": "VERVALST",
        }
        base = services["notificatie"].url
        for kind in ("control-document", "proof-of-registration"):
            old = await client.post(f"{base}/documents/{kind}.pdf", json=forged, headers=noor.parent)
            posted = await client.post(f"{documents}/{kind}.pdf", json=forged, headers=noor.parent)
            assert old.status_code == 404 and posted.status_code == 405, (old.text, posted.text)
        ignored = await client.request(
            "GET",
            f"{documents}/proof-of-registration.pdf",
            json=forged,
            params={key: value for key, value in forged.items() if isinstance(value, str)},
            headers=noor.parent,
        )
        printed = said(ignored)
        assert "Kind0 Test" in printed and first["school_name"] in printed
        assert not any(word in printed for word in ("Iemand Anders", "Vervalste", "VERVALST", "99999"))

        # another parent reaches neither document of Noor; Sem has no registration to print
        for kind in ("control-document", "proof-of-registration"):
            other = await client.get(f"{documents}/{kind}.pdf", headers=sem.parent)
            assert other.status_code in (403, 404), other.text
            assert "Kind0" not in other.text
        nothing = await client.get(f"{base}/pupils/{sem.id}/documents/proof-of-registration.pdf", headers=sem.parent)
        assert nothing.status_code == 409 and nothing.json()["code"] == "no_registration", nothing.text

        # the confirmation mail links to the portal's proof page
        async def confirmation() -> str | None:
            found = [m for m in smtp.inbox.to(noor.address) if "Aanmelding ontvangen" in m["Subject"]]
            return text_of(found[-1]) if found else None

        body = await eventually(confirmation, within=60, what="the confirmation mail")
        assert f"bewijs van aanmelding: {PROOF_PAGE}" in body
