"""The OKI-doc as a form, questions from secondary schools and the answers, notes, forwarding (Zaanstad).

Every page is the primary school's (`/po/{brin}/…`) and reads and writes through dossier (the OKI-doc,
its attachments, notes, questions) or aanmelding (forwarding) with the staff member's own token: the
services decide who reaches which pupil; a pupil of another school is the not-found page here too.
A refusal on a form comes back as the same page, the input kept.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from loket.contracts.runtime.downloads import content_disposition, passed_on
from loket.portaal.domain import oki_doc_form as okiform
from loket.portaal.domain.journey import preferences_body
from loket.portaal.domain.listing import Listing
from loket.portaal.http.account import client
from loket.portaal.http.staff import signed_in_staff
from loket.portaal.pages import advice_name, errors_of, render, translate
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Refusal, Services
from loket.portaal.sessions import Session

Form = dict[str, Any]
FORWARDING_STATES = ("submitted", "forwarded")
FORWARDING_PAGE = 25
ADMINISTRATORS = frozenset({"school_admin", "board_contact", "region_admin"})  # they reopen a final OKI-doc
NAMES_AT_ONCE = 500  # dossier's most in one page: a primary school's pupils fit


def pupil_id_of(text: str) -> str:
    try:
        return str(UUID(text))
    except ValueError:
        raise HTTPException(404) from None


def school_staff(request: Request, brin: str) -> Session:
    """A staff member of this school (any other school's address is the not-found page)."""
    session = signed_in_staff(request)
    if brin not in session.schools:
        raise HTTPException(404)
    return session


def own_pupil(pupil: dict[str, Any], brin: str) -> None:
    """The pupil is at this school: another school's pupil under this school's address is not found."""
    school = pupil.get("school_brin") or (pupil.get("pupil") or {}).get("school_brin")
    if school != brin:
        raise HTTPException(404)


def problems_on(refusal: Refusal, tab: str | None = None, form: Form | None = None) -> list[Problem]:
    """dossier's refusal as the form's problems: fields named as the form names them, a few codes made
    plain (a school year's form, a final OKI-doc, a too large file)."""
    found = []
    for problem in refusal.problems:
        field = okiform.form_field(tab, form or {}, problem.field) if tab else problem.field
        code = problem.code
        if code == "string_pattern_mismatch" and (field or "").endswith("school_year"):
            code = "school_year_format"
        found.append(Problem(code, field, problem.ctx))
    if refusal.status == 409:
        return [Problem("oki_doc_final" if "final" in str(refusal.body) else "http_409")]
    return found


def oki_doc_router(services: Services) -> APIRouter:
    router = APIRouter()

    async def call(request: Request, session: Session, service: str, method: str, path: str, **kwargs: Any) -> Any:
        return await services.json(session, service, method, path, client=client(request), **kwargs)

    async def oki_doc(request: Request, session: Session, brin: str, pupil_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await call(request, session, "dossier", "GET", f"/pupils/{pupil_id}/oki-doc")
        own_pupil(found, brin)
        return found

    def base(brin: str, pupil_id: str) -> str:
        return f"/po/{brin}/pupils/{pupil_id}/oki-doc"

    async def overview(
        request: Request,
        session: Session,
        brin: str,
        pupil_id: str,
        status_code: int = 200,
        problems: list[Problem] | None = None,
        checklist: list[dict[str, str]] | None = None,
        form: Form | None = None,
    ) -> Response:
        document = await oki_doc(request, session, brin, pupil_id)
        attachments = await call(request, session, "dossier", "GET", f"/pupils/{pupil_id}/oki-doc/attachments")
        missing = checklist if checklist is not None else document.get("missing") or []
        return render(
            request,
            "pages/po/oki_doc.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            pupil_id=pupil_id,
            base=base(brin, pupil_id),
            doc=document,
            tabs=okiform.TABS,
            missing=[{**item, "place": okiform.place_of(item["path"])} for item in missing],
            attachments=attachments,
            may_reopen=session.role in ADMINISTRATORS,
            form=form or {},
        )

    @router.get("/po/{brin}/pupils/{pupil}/oki-doc")
    async def oki_doc_page(request: Request, brin: str, pupil: str) -> Response:
        session = school_staff(request, brin)
        return await overview(request, session, brin, pupil_id_of(pupil))

    async def transition(request: Request, brin: str, pupil: str, step: str, json: Any = None) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        try:
            await call(request, session, "dossier", "POST", f"/pupils/{pupil_id}/oki-doc/{step}", json=json)
        except Refusal as refusal:
            if refusal.status == 403 and step == "reopen":  # the pupil is in reach, reopening is not
                problems = [Problem("reopen_not_allowed")]
                return await overview(request, session, brin, pupil_id, 403, problems, form=json)
            if refusal.status in (403, 404):
                raise
            detail = refusal.body.get("detail") if isinstance(refusal.body, dict) else None
            if isinstance(detail, dict) and detail.get("missing"):
                code = "oki_doc_not_ready_for_final" if step == "finalise" else "oki_doc_incomplete"
                problems = [Problem(code, "checklist")]
                return await overview(request, session, brin, pupil_id, 409, problems, detail["missing"])
            return await overview(request, session, brin, pupil_id, refusal.status, problems_on(refusal), form=json)
        return RedirectResponse(base(brin, pupil_id), status_code=303)

    @router.post("/po/{brin}/pupils/{pupil}/oki-doc/complete")
    async def complete(request: Request, brin: str, pupil: str, _: CheckedForm) -> Response:
        return await transition(request, brin, pupil, "complete")

    @router.post("/po/{brin}/pupils/{pupil}/oki-doc/finalise")
    async def finalise(request: Request, brin: str, pupil: str, _: CheckedForm) -> Response:
        return await transition(request, brin, pupil, "finalise")

    @router.post("/po/{brin}/pupils/{pupil}/oki-doc/reopen")
    async def reopen(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        reason = (form.get("reason") or "").strip()
        if not reason:
            session = school_staff(request, brin)
            problems = [Problem("required", "reason")]
            return await overview(request, session, brin, pupil_id_of(pupil), 422, problems, form=form)
        return await transition(request, brin, pupil, "reopen", {"reason": reason})

    @router.post("/po/{brin}/pupils/{pupil}/oki-doc/attachments")
    async def attach(request: Request, brin: str, pupil: str, _: CheckedForm) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await overview(request, session, brin, pupil_id, 422, [Problem("file_missing", "file")])
        content = await upload.read()
        try:
            await services.as_person(
                session,
                "dossier",
                "POST",
                f"/pupils/{pupil_id}/oki-doc/attachments",
                client=client(request),
                params={"file_name": upload.filename},
                content=content,
                headers={"Content-Type": upload.content_type or "application/octet-stream"},
            )
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise
            code = {413: "file_too_large", 422: "file_type"}.get(refusal.status)
            problems = [Problem(code, "file")] if code else problems_on(refusal)
            if refusal.status == 409 and "final" not in str(refusal.body):
                problems = [Problem("too_many_attachments", "file")]
            return await overview(request, session, brin, pupil_id, refusal.status, problems)
        return RedirectResponse(f"{base(brin, pupil_id)}#attachments", status_code=303)

    @router.get("/po/{brin}/pupils/{pupil}/oki-doc/attachments/{attachment}")
    async def attachment(request: Request, brin: str, pupil: str, attachment: str) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        await oki_doc(request, session, brin, pupil_id)
        answer = await services.as_person(
            session,
            "dossier",
            "GET",
            f"/pupils/{pupil_id}/oki-doc/attachments/{pupil_id_of(attachment)}",
            client=client(request),
        )
        return Response(
            answer.content,
            media_type=answer.headers.get("content-type", "application/octet-stream"),
            headers={
                "Content-Disposition": passed_on(answer.headers.get("content-disposition")),
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "no-store",
            },
        )

    @router.get("/po/{brin}/pupils/{pupil}/oki-doc.pdf")
    async def pdf(request: Request, brin: str, pupil: str) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        document = await oki_doc(request, session, brin, pupil_id)
        answer = await services.as_person(
            session, "dossier", "GET", f"/pupils/{pupil_id}/oki-doc.pdf", client=client(request)
        )
        name = f"oki-doc-{document['pupil']['elk_number']}.pdf"
        return Response(
            answer.content,
            media_type="application/pdf",
            headers={"Content-Disposition": content_disposition("attachment", name), "Cache-Control": "no-store"},
        )

    def tab_of(tab: str) -> okiform.Tab:
        found = next((known for known in okiform.TABS if known.key == tab), None)
        if found is None:
            raise HTTPException(404)
        return found

    def tab_page(
        request: Request,
        brin: str,
        pupil_id: str,
        document: dict[str, Any],
        tab: okiform.Tab,
        values: dict[str, Any],
        status_code: int = 200,
        problems: list[Problem] | None = None,
        saved: bool = False,
    ) -> Response:
        return render(
            request,
            "pages/po/oki_doc_tab.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            pupil_id=pupil_id,
            base=base(brin, pupil_id),
            doc=document,
            tabs=okiform.TABS,
            tab=tab,
            values=values,
            rows={name: okiform.rows_shown(values, name) for name in okiform.ROWS},
            levels=[(level, advice_name(level)) for level in okiform.LEVELS],
            assessments=[(code, translate(request, label)) for code, label in okiform.ASSESSMENTS],
            saved=saved,
        )

    @router.get("/po/{brin}/pupils/{pupil}/oki-doc/{tab}")
    async def tab_form(request: Request, brin: str, pupil: str, tab: str, saved: int = 0) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        shown = tab_of(tab)
        document = await oki_doc(request, session, brin, pupil_id)
        return tab_page(request, brin, pupil_id, document, shown, okiform.values_of(document), saved=bool(saved))

    @router.post("/po/{brin}/pupils/{pupil}/oki-doc/{tab}")
    async def save_tab(request: Request, brin: str, pupil: str, tab: str, form: CheckedForm) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        shown = tab_of(tab)
        document = await oki_doc(request, session, brin, pupil_id)
        try:
            await call(
                request, session, "dossier", "PATCH", f"/pupils/{pupil_id}/oki-doc", json=okiform.part_from(tab, form)
            )
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise
            problems = problems_on(refusal, tab, form)
            return tab_page(request, brin, pupil_id, document, shown, form, 422, problems)
        return RedirectResponse(f"{base(brin, pupil_id)}/{tab}?saved=1", status_code=303)

    # notes on a pupil

    async def pupil_of(request: Request, session: Session, brin: str, pupil_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await call(request, session, "dossier", "GET", f"/pupils/{pupil_id}")
        own_pupil(found, brin)
        return found

    async def notes_page(
        request: Request, brin: str, pupil: str, form: Form | None = None, problems: list[Problem] | None = None
    ) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        found = await pupil_of(request, session, brin, pupil_id)
        notes = await call(request, session, "dossier", "GET", f"/pupils/{pupil_id}/notes")
        return render(
            request,
            "pages/po/notes.html",
            422 if problems else 200,
            errors=errors_of(request, problems or []),
            brin=brin,
            pupil=found,
            notes=list(reversed(notes)),
            form=form or {},
        )

    @router.get("/po/{brin}/pupils/{pupil}/notes")
    async def notes(request: Request, brin: str, pupil: str) -> Response:
        return await notes_page(request, brin, pupil)

    @router.post("/po/{brin}/pupils/{pupil}/notes")
    async def add_note(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        text = (form.get("text") or "").strip()
        visibility = "secondary_school" if form.get("visibility") == "secondary_school" else "own_organisation"
        if not text:
            return await notes_page(request, brin, pupil, form, [Problem("required", "text")])
        try:
            body = {"text": text, "visibility": visibility}
            await call(request, session, "dossier", "POST", f"/pupils/{pupil_id}/notes", json=body)
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise
            return await notes_page(request, brin, pupil, form, problems_on(refusal))
        return RedirectResponse(f"/po/{brin}/pupils/{pupil_id}/notes", status_code=303)

    # questions from secondary schools

    async def school_names(request: Request, session: Session, brins: set[str]) -> dict[str, str]:
        async def name(brin: str) -> tuple[str, str]:
            try:
                found = await call(request, session, "dossier", "GET", f"/schools/{brin}")
            except Refusal:
                return brin, brin
            return brin, str(found.get("name") or brin)

        return dict(await asyncio.gather(*(name(brin) for brin in sorted(brins))))

    async def questions_page(
        request: Request,
        brin: str,
        status_code: int = 200,
        problems: list[Problem] | None = None,
        form: Form | None = None,
    ) -> Response:
        session = school_staff(request, brin)
        listing = Listing.of(f"/po/{brin}/questions", request.query_params, ["asked_at"], "asked_at", ["show"])
        shown = dict(listing.filters).get("show", "open")
        params: dict[str, Any] = {
            "limit": listing.size,
            "offset": (listing.page - 1) * listing.size,
            "sort": listing.sort,
            "open": shown != "all",
        }
        answer = await services.as_person(
            session, "dossier", "GET", f"/schools/{brin}/information-requests", client=client(request), params=params
        )
        questions = answer.json()
        total = int(answer.headers.get("X-Total-Count", len(questions)))
        names = await school_names(request, session, {question["from_school_brin"] for question in questions})
        return render(
            request,
            "pages/po/questions.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            listing=listing,
            show=shown,
            total=total,
            questions=questions,
            school_names=names,
            form=form or {},
        )

    @router.get("/po/{brin}/questions")
    async def questions(request: Request, brin: str) -> Response:
        return await questions_page(request, brin)

    @router.post("/po/{brin}/questions/{question}/answer")
    async def answer_question(request: Request, brin: str, question: str, form: CheckedForm) -> Response:
        session = school_staff(request, brin)
        question_id = pupil_id_of(question)
        pupil_id = pupil_id_of(str(form.get("pupil_id") or ""))
        field = f"answer.{question_id}"
        text = (form.get(field) or "").strip()
        if not text:
            return await questions_page(request, brin, 422, [Problem("required", field)], form)
        try:
            path = f"/pupils/{pupil_id}/information-requests/{question_id}/answer"
            await call(request, session, "dossier", "POST", path, json={"answer": text})
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise
            code = "question_answered" if refusal.status == 409 else None
            problems = [Problem(code, field)] if code else [Problem(p.code, field, p.ctx) for p in refusal.problems]
            return await questions_page(request, brin, refusal.status, problems, form)
        back = local_back(form.get("back"), f"/po/{brin}/questions")
        return RedirectResponse(f"{back}#answered", status_code=303)

    # forwarding (Zaanstad): the parent's list goes to the primary school, which forwards it

    @router.get("/po/{brin}/forwarding")
    async def forwarding(request: Request, brin: str) -> Response:
        session = school_staff(request, brin)
        listing = Listing.of(f"/po/{brin}/forwarding", request.query_params, ["state"], "state", ["show"])
        shown = dict(listing.filters).get("show", "waiting")
        wanted = ("forwarded",) if shown == "forwarded" else ("submitted",)
        pupils, summaries = await asyncio.gather(
            call(request, session, "aanmelding", "GET", f"/schools/{brin}/pupils"),
            call(
                request,
                session,
                "dossier",
                "GET",
                "/pupils",
                params={"school": brin, "limit": NAMES_AT_ONCE, "sort": "name"},
            ),
        )
        names = {summary["id"]: summary for summary in summaries}
        rows = []
        for status in pupils:
            for round_code, dot in (status.get("rounds") or {}).items():
                if dot.get("state") in wanted:
                    found = names.get(status["pupil_id"]) or {}
                    name = f"{found.get('given_name', '')} {found.get('family_name', '')}".strip()
                    rows.append(
                        {
                            "pupil_id": status["pupil_id"],
                            "name": name or status["pupil_id"],
                            "family_name": found.get("family_name", ""),
                            "group": status.get("group"),
                            "round": round_code,
                            "state": dot["state"],
                        }
                    )
        rows.sort(key=lambda row: (row["family_name"], row["name"]), reverse=listing.descending)
        listing = Listing(listing.path, listing.page, listing.sort, FORWARDING_PAGE, listing.filters)
        start = (listing.page - 1) * listing.size
        return render(
            request,
            "pages/po/forwarding.html",
            brin=brin,
            listing=listing,
            show=shown,
            total=len(rows),
            rows=rows[start : start + listing.size],
        )

    async def forwarding_page(
        request: Request,
        brin: str,
        pupil: str,
        status_code: int = 200,
        problems: list[Problem] | None = None,
        form: Form | None = None,
    ) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        found, view = await asyncio.gather(
            pupil_of(request, session, brin, pupil_id),
            call(request, session, "aanmelding", "GET", f"/pupils/{pupil_id}/registration"),
        )
        current = view.get("current")
        helper = None
        if current and current.get("advice"):
            helper = (
                await services.anonymous(
                    "aanmelding", "GET", "/procedure/programs", params={"advice": current["advice"]}
                )
            ).json()
        chosen = [choice["program"] for choice in (current or {}).get("preferences") or []]
        if form is not None:
            chosen = chosen_in(form)
        slots = max(len(chosen), len((helper or {}).get("programs") or []), 1)
        return render(
            request,
            "pages/po/forwarding_pupil.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            pupil=found,
            current=current,
            helper=helper,
            chosen=chosen,
            slots=min(slots, 12),
            form=form or {},
        )

    @router.get("/po/{brin}/forwarding/{pupil}")
    async def forwarding_pupil(request: Request, brin: str, pupil: str) -> Response:
        return await forwarding_page(request, brin, pupil)

    async def registration_step(
        request: Request, brin: str, pupil: str, method: str, path: str, form: Form, json: Any = None
    ) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        try:
            await call(request, session, "aanmelding", method, f"/pupils/{pupil_id}/registration/{path}", json=json)
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise
            problems = [plain_forwarding(problem) for problem in refusal.problems]
            return await forwarding_page(request, brin, pupil, 422, problems, form)
        return RedirectResponse(f"/po/{brin}/forwarding/{pupil_id}?done={path}", status_code=303)

    @router.post("/po/{brin}/forwarding/{pupil}/forward")
    async def forward(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        return await registration_step(request, brin, pupil, "POST", "forwarding", form)

    @router.post("/po/{brin}/forwarding/{pupil}/change")
    async def change(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        session = school_staff(request, brin)
        pupil_id = pupil_id_of(pupil)
        chosen = chosen_in(form)
        given_by, how = (form.get("consent.given_by") or "").strip(), (form.get("consent.how") or "").strip()
        problems = []
        if not chosen:
            problems.append(Problem("choose_at_least_one", "programs.0"))
        if not given_by:
            problems.append(Problem("consent_given_by_missing", "consent.given_by"))
        if not how:
            problems.append(Problem("consent_how_missing", "consent.how"))
        if problems:
            return await forwarding_page(request, brin, pupil, 422, problems, form)
        view = await call(request, session, "aanmelding", "GET", f"/pupils/{pupil_id}/registration")
        current = view.get("current") or {}
        body = preferences_body(current, programs=chosen)
        body["consent"] = {"given_by": given_by, "how": how}
        return await registration_step(request, brin, pupil, "PUT", "school-change", form, body)

    return router


def chosen_in(form: Form) -> list[str]:
    """The programs of the change form's choices in order, each once, empty choices left out."""
    chosen: list[str] = []
    for index in range(12):
        program = (form.get(f"programs.{index}") or "").strip()
        if program and program not in chosen:
            chosen.append(program)
    return chosen


def plain_forwarding(problem: Problem) -> Problem:
    """aanmelding's words for the primary school's forwarding: `not_submitted` means here that the list is
    not waiting to be forwarded (the parent's page means something else by it)."""
    if problem.code == "not_submitted":
        return Problem("not_waiting_for_forwarding", None, problem.ctx)
    if problem.code == "consent_missing":
        return Problem("consent_given_by_missing", "consent.given_by")
    field = problem.field
    if field == "programs":
        field = "programs.0"
    return Problem(problem.code, field, problem.ctx)


def local_back(target: Any, fallback: str) -> str:
    text = str(target or "")
    return text if text.startswith("/") and not text.startswith("//") else fallback
