"""A primary school's pages: pupils per group with their dots, parent logins, final advice, imports.

- `/po/{brin}`: one page of the school's pupils (dossier pages and sorts them: a region of thousands never
  comes whole), with the first parent's login dot and the registration per round (aanmelding), a filter
  by group, and per group a button that sends the parent logins of the whole group at once.
- `/po/{brin}/pupils/{id}`: the pupil, its parent logins with the mails' delivery, the final advice and
  the doorstroomtoets result, the paper form to print.
- `/po/{brin}/imports`: the pupils from the pupil administration's export, and the doorstroomtoets file
  with the rows left for matching by hand.

Every call goes with the staff member's own token; dossier decides who reaches which pupil (a teacher
their groups), so a pupil out of reach is the not-found page here as well.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from loket.contracts.runtime.downloads import content_disposition
from loket.portaal.domain.journey import chosen_programs, open_round, preferences_body
from loket.portaal.domain.listing import Listing
from loket.portaal.http.account import client
from loket.portaal.http.oki_doc import own_pupil, pupil_id_of, school_staff
from loket.portaal.http.registration import Procedure
from loket.portaal.i18n import N_
from loket.portaal.pages import advice_name, errors_of, language_of, render, translate
from loket.portaal.security import CheckedForm, checked_form
from loket.portaal.services import Problem, Refusal, Services
from loket.portaal.sessions import Session

Form = dict[str, Any]
NEW_PUPIL_FIELDS = ("given_name", "family_name", "birth_date", "parent_email", "group")
ADVICE_FIELDS = ("level", "motivation", "not_raised_because")
SORTS = ("name", "group", "login", "elk_number")
MAX_FILE_BYTES = 5_000_000  # dossier's own limit
LOGIN_STATES = {
    "not_sent": N_("Not sent"),
    "sent": N_("Sent"),
    "activated": N_("Activated"),
    "failed": N_("Mail did not arrive"),
    "locked": N_("Locked"),
}
REGISTRATION_STATES = {
    "in_progress": N_("Started"),
    "submitted": N_("Submitted"),
    "forwarded": N_("Forwarded"),
    "withdrawn": N_("Withdrawn"),
    "voided": N_("Ended by the school"),
}
READINESS = {
    "waiting_for_advice": N_("Waiting for the final advice"),
    "open": N_("Can register"),
    "form_outdated": N_("Details changed: new form"),
}
GROUP_OUTCOMES = {
    "sent": N_("Sent"),
    "already_sent": N_("Sent before, not activated yet"),
    "already_activated": N_("Already activated"),
    "no_email_address": N_("No e-mail address"),
}
MESSAGE_STATES = {
    "queued": N_("Waiting to be sent"),
    "sent": N_("Delivered to the mail server"),
    "failed": N_("Failed"),
}
PUPIL_REPORT = (
    ("created", N_("New pupils")),
    ("changed", N_("Changed")),
    ("skipped", N_("Kept: changed by hand in Loket")),
    ("unchanged", N_("Unchanged")),
)
LAS_HEADER = (
    "leerlingnummer;bsn;roepnaam;tussenvoegsel;achternaam;geboortedatum;groep;straat;huisnummer;postcode;"
    "woonplaats;ouder1_naam;ouder1_email;ouder1_telefoon;ouder2_naam;ouder2_email;ouder2_telefoon"
)
TOETS_HEADER = "achternaam;voorvoegsel;roepnaam;geboortedatum;toets;advies"
# the paper form's rule in the parents' words (Dutch on the form, as the school hands it out)
LIST_RULE = N_("Number at least {count} schools, the school you want most as 1.")
CHOOSE_ONE = N_("Choose one school.")


FINAL, TOETS = "advice.final", "advice.doorstroomtoets"  # the forms' fields, named as the OKI-doc's checklist


def advice_problems(refusal: Refusal, part: str) -> list[Problem]:
    """dossier's refusal of an advice or a result, at the form's fields (`part`.level …)."""
    found = []
    for problem in refusal.problems:
        if problem.field == "not_raised_because":
            found.append(Problem("advice_below_doorstroomtoets", f"{part}.not_raised_because"))
        elif problem.field == "level":
            found.append(Problem("advice_unknown", f"{part}.level"))
        elif problem.code == "string_too_long":
            found.append(Problem(problem.code, f"{part}.{problem.field}", problem.ctx))
        else:
            found.append(Problem(problem.code, None, problem.ctx))
    return found


NAME_FIELDS = ("given_name", "family_name", "birth_date")
ADDRESS_FIELDS = ("street", "house_number", "postcode", "city")
PARENT_FIELDS = ("name", "relation", "email", "phone")


def details_of(pupil: dict[str, Any]) -> Form:
    """The pupil's details as the details form shows them (`pupil.address.street` …)."""
    shown: Form = {f"pupil.{key}": pupil.get(key) or "" for key in NAME_FIELDS}
    address = pupil.get("address") or {}
    shown.update({f"pupil.address.{key}": address.get(key) or "" for key in ADDRESS_FIELDS})
    for index, parent in enumerate((pupil.get("parents") or [])[:2]):
        shown.update({f"pupil.parents.{index}.{key}": parent.get(key) or "" for key in PARENT_FIELDS})
    if not shown.get("pupil.parents.0.email"):
        shown["pupil.parents.0.email"] = pupil.get("parent_email") or ""
    return shown


def details_body(form: Form) -> tuple[dict[str, Any], list[Problem]]:
    """The details form as dossier's change (PATCH /pupils/{id}); what is missing before dossier is asked."""
    value = {key: str(form.get(key) or "").strip() for key in form}
    body: dict[str, Any] = {key: value.get(f"pupil.{key}") or None for key in NAME_FIELDS}
    body["address"] = {key: value.get(f"pupil.address.{key}") or None for key in ADDRESS_FIELDS}
    parents = []
    for index in (0, 1):
        parent = {key: value.get(f"pupil.parents.{index}.{key}") or None for key in PARENT_FIELDS}
        if index == 0 or any(parent.values()):
            parents.append(parent)
    body["parents"] = parents
    problems = [Problem("required", f"pupil.{key}") for key in NAME_FIELDS if not body[key]]
    if not parents[0]["email"]:
        problems.append(Problem("parent_email_missing", "pupil.parents.0.email"))
    return {key: item for key, item in body.items() if item is not None}, problems


def detail_problem(problem: Problem) -> Problem:
    """dossier's refusal of a detail, at the form's field; an e-mail address written wrongly in plain words."""
    field = f"pupil.{problem.field}" if problem.field else None
    if field == "pupil.parents":
        field = "pupil.parents.0.email"
    if field and field.endswith(".email"):
        return Problem("email_invalid" if problem.code == "value_error" else problem.code, field, problem.ctx)
    return Problem(problem.code, field, problem.ctx)


def paper_field(field: str | None) -> str | None:
    """aanmelding's field of the list (`programs`, `programs.2`, `signed_by`) as the paper form's."""
    if field is None or field == "signed_by":
        return field
    if field.startswith("programs"):
        return field if "." in field else "programs.0"
    return None


def file_problems(refusal: Refusal) -> list[Problem]:
    if refusal.status == 413:
        return [Problem("file_too_large", "file")]
    if refusal.status == 422:
        return [Problem("file_columns_missing", "file")]
    raise refusal


def primary_router(services: Services) -> APIRouter:
    router = APIRouter()
    procedure = Procedure(services)

    async def call(request: Request, session: Session, service: str, method: str, path: str, **kwargs: Any) -> Any:
        return await services.json(session, service, method, path, client=client(request), **kwargs)

    async def quietly(request: Request, session: Session, service: str, path: str, empty: Any, **kwargs: Any) -> Any:
        """What another service adds to a page (the registrations, the mails): the page shows without it
        when that service refuses."""
        try:
            return await call(request, session, service, "GET", path, **kwargs)
        except Refusal:
            return empty

    async def pupil_of(request: Request, session: Session, brin: str, pupil: str) -> dict[str, Any]:
        found: dict[str, Any] = await call(request, session, "dossier", "GET", f"/pupils/{pupil_id_of(pupil)}")
        own_pupil(found, brin)
        return found

    def my_groups(session: Session, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The groups a teacher works with (by the token, or as the group's teacher); everyone else: all."""
        if session.role != "school_user":
            return groups
        mine = [group for group in groups if group["name"] in session.groups or session.subject in group["teachers"]]
        return mine or groups

    async def rounds() -> dict[str, str]:
        return {found["code"]: found["name"] for found in (await procedure.get()).get("rounds", [])}

    # ---- the pupils ----

    async def pupils_page(request: Request, brin: str, status_code: int = 200, **more: Any) -> Response:
        session = school_staff(request, brin)
        listing = Listing.of(f"/po/{brin}", request.query_params, SORTS, "name", ["group"])
        params = {**listing.params(), "school": brin}
        group = dict(listing.filters).get("group")
        school, groups, answer, round_names = await asyncio.gather(
            call(request, session, "dossier", "GET", f"/schools/{brin}"),
            call(request, session, "dossier", "GET", f"/schools/{brin}/groups"),
            services.as_person(session, "dossier", "GET", "/pupils", params=params, client=client(request)),
            rounds(),
        )
        pupils = answer.json()
        total = int(answer.headers.get("X-Total-Count") or len(pupils))
        registrations = {}
        if pupils:  # the registrations of this page's pupils only
            asked = {"pupil": [pupil["id"] for pupil in pupils]}
            found = await quietly(request, session, "aanmelding", f"/schools/{brin}/pupils", [], params=asked)
            registrations = {row["pupil_id"]: row for row in found}
        return render(
            request,
            "pages/po/pupils.html",
            status_code,
            brin=brin,
            school=school,
            groups=my_groups(session, groups),
            group=group,
            listing=listing,
            total=total,
            pupils=[{**pupil, "registration": registrations.get(pupil["id"])} for pupil in pupils],
            round_names=round_names,
            login_states=LOGIN_STATES,
            registration_states=REGISTRATION_STATES,
            readiness=READINESS,
            **more,
        )

    @router.get("/po/{brin}")
    async def pupils(request: Request, brin: str) -> Response:
        return await pupils_page(request, brin)

    @router.post("/po/{brin}/groups/{group_id}/parent-logins")
    async def send_group(request: Request, brin: str, group_id: str, form: CheckedForm) -> Response:
        """The parent logins of a whole group; the answer per pupil on a page of its own."""
        session = school_staff(request, brin)
        group = await call(request, session, "dossier", "GET", f"/groups/{pupil_id_of(group_id)}")
        if group["school_brin"] != brin:
            raise HTTPException(404)
        body = {"language": language_of(request), "again": form.get("again") == "yes"}
        answers = await call(request, session, "dossier", "POST", f"/groups/{group['id']}/parent-logins", json=body)
        counts = {outcome: sum(1 for row in answers if row["outcome"] == outcome) for outcome in GROUP_OUTCOMES}
        return render(
            request,
            "pages/po/group_sent.html",
            brin=brin,
            group=group,
            answers=answers,
            counts=counts,
            outcomes=GROUP_OUTCOMES,
        )

    # ---- one pupil ----

    async def pupil_page(
        request: Request,
        brin: str,
        pupil: str,
        status_code: int = 200,
        problems: list[Problem] | None = None,
        form: Form | None = None,
        done: str | None = None,
    ) -> Response:
        session = school_staff(request, brin)
        found = await pupil_of(request, session, brin, pupil)
        pupil_id = found["id"]
        document, messages, region = await asyncio.gather(
            call(request, session, "dossier", "GET", f"/pupils/{pupil_id}/oki-doc"),
            quietly(request, session, "notificatie", "/messages", {"messages": []}, params={"pupil": pupil_id}),
            procedure.get(),
        )
        advice = document.get("advice") or {}
        final = advice.get("final") or {}
        shown = {
            **details_of(found),
            **{f"{FINAL}.{key}": final.get(key) or "" for key in ADVICE_FIELDS},
            **(form or {}),
        }
        return render(
            request,
            "pages/po/pupil.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            pupil=found,
            advice=advice,
            revision_needed=document.get("revision_needed"),
            oki_status=document.get("status"),
            advices=region.get("advices", []),
            messages=[row for row in messages["messages"] if row["template"] == "parent_activation"][:5],
            message_states=MESSAGE_STATES,
            login_states=LOGIN_STATES,
            form=shown,
            done=done or request.query_params.get("done"),
        )

    async def new_pupil_page(
        request: Request,
        brin: str,
        status_code: int = 200,
        problems: list[Problem] | None = None,
        form: Form | None = None,
    ) -> Response:
        session = school_staff(request, brin)
        school, groups = await asyncio.gather(
            call(request, session, "dossier", "GET", f"/schools/{brin}"),
            call(request, session, "dossier", "GET", f"/schools/{brin}/groups"),
        )
        return render(
            request,
            "pages/po/new_pupil.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            school=school,
            groups=my_groups(session, groups),
            form=form or {"group": request.query_params.get("group", "")},
        )

    @router.get("/po/{brin}/pupils/new")
    async def new_pupil(request: Request, brin: str) -> Response:
        return await new_pupil_page(request, brin)

    @router.post("/po/{brin}/pupils/new")
    async def register_pupil(request: Request, brin: str, form: CheckedForm) -> Response:
        """A pupil by hand (one who is not in the pupil administration's export yet): dossier gives the ELK
        number; nobody is mailed."""
        session = school_staff(request, brin)
        kept = {key: str(form.get(key) or "").strip() for key in NEW_PUPIL_FIELDS}
        problems = [Problem("required", key) for key in NEW_PUPIL_FIELDS if key != "group" and not kept[key]]
        if not problems:
            body = {**kept, "school_brin": brin, "group": kept["group"] or None}
            try:
                created = await call(request, session, "dossier", "POST", "/pupils", json=body)
            except Refusal as refusal:
                if refusal.status != 422:
                    raise
                problems = [
                    Problem("email_invalid" if p.field == "parent_email" else p.code, p.field, p.ctx)
                    for p in refusal.problems
                ]
        if problems:
            return await new_pupil_page(request, brin, 422, problems, kept)
        return RedirectResponse(f"/po/{brin}/pupils/{created['id']}?done=new", status_code=303)

    @router.get("/po/{brin}/pupils/{pupil}")
    async def pupil_details(request: Request, brin: str, pupil: str) -> Response:
        return await pupil_page(request, brin, pupil)

    @router.post("/po/{brin}/pupils/{pupil}/parent-login")
    async def send_one(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        session = school_staff(request, brin)
        found = await pupil_of(request, session, brin, pupil)
        parent = 2 if form.get("parent") == "2" else 1
        try:
            body = {"parent": parent, "language": language_of(request)}
            await call(request, session, "dossier", "POST", f"/pupils/{found['id']}/parent-login", json=body)
        except Refusal as refusal:
            if refusal.status == 409:
                return await pupil_page(request, brin, pupil, 409, [Problem("parent_login_refused")])
            if refusal.status == 422:
                return await pupil_page(request, brin, pupil, 422, [Problem("parent_email_missing")])
            raise
        return RedirectResponse(f"/po/{brin}/pupils/{found['id']}?done=login#parent-logins", status_code=303)

    @router.post("/po/{brin}/pupils/{pupil}/final-advice")
    async def final_advice(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        session = school_staff(request, brin)
        found = await pupil_of(request, session, brin, pupil)
        kept = {f"{FINAL}.{key}": str(form.get(f"{FINAL}.{key}") or "") for key in ADVICE_FIELDS}
        if not kept[f"{FINAL}.level"]:
            return await pupil_page(request, brin, pupil, 422, [Problem("advice_missing", f"{FINAL}.level")], kept)
        body = {key: kept[f"{FINAL}.{key}"].strip() or None for key in ADVICE_FIELDS}
        try:
            await call(request, session, "dossier", "PUT", f"/pupils/{found['id']}/final-advice", json=body)
        except Refusal as refusal:
            if refusal.status not in (409, 422):
                raise
            return await pupil_page(request, brin, pupil, 422, advice_problems(refusal, FINAL), kept)
        return RedirectResponse(f"/po/{brin}/pupils/{found['id']}?done=advice#final-advice", status_code=303)

    async def record_toets(
        request: Request, session: Session, pupil_id: str, level: str, test: str | None, field: str
    ) -> list[Problem]:
        """The doorstroomtoets result by hand; the problems (at `field`), if dossier refuses it."""
        if not level:
            return [Problem("advice_missing", field)]
        body = {"test": (test or "").strip() or None, "level": level}
        try:
            await call(request, session, "dossier", "PUT", f"/pupils/{pupil_id}/doorstroomtoets", json=body)
        except Refusal as refusal:
            if refusal.status not in (409, 422):
                raise
            return [Problem(problem.code, field, problem.ctx) for problem in advice_problems(refusal, TOETS)]
        return []

    @router.post("/po/{brin}/pupils/{pupil}/doorstroomtoets")
    async def doorstroomtoets(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        session = school_staff(request, brin)
        found = await pupil_of(request, session, brin, pupil)
        kept = {f"{TOETS}.{key}": str(form.get(f"{TOETS}.{key}") or "") for key in ("level", "test")}
        level, test = kept[f"{TOETS}.level"], kept[f"{TOETS}.test"]
        problems = await record_toets(request, session, found["id"], level, test, f"{TOETS}.level")
        if problems:
            return await pupil_page(request, brin, pupil, 422, problems, kept)
        return RedirectResponse(f"/po/{brin}/pupils/{found['id']}?done=toets#doorstroomtoets", status_code=303)

    @router.post("/po/{brin}/imports/doorstroomtoets/match")
    async def match(request: Request, brin: str, form: CheckedForm) -> Response:
        """A row of the doorstroomtoets file matched by hand: the school chose the pupil. The rows still left
        come along with the form (`left`), so the school goes on with the next one."""
        session = school_staff(request, brin)
        left = rows_of(form.get("left"))
        line = str(form.get("line"))
        row = next((row for row in left if str(row.get("line")) == line), None)
        chosen = str(form.get("pupil") or "")
        if row is None:
            raise HTTPException(404)
        if not chosen:
            problems = [Problem("pupil_missing", f"pupil-{line}")]
            return await imports_page(request, brin, 422, problems=problems, toets={"left": left})
        found = await pupil_of(request, session, brin, chosen)
        advice, field = str(row.get("advice") or ""), f"pupil-{line}"
        problems = await record_toets(request, session, found["id"], advice, row.get("test"), field)
        if problems:
            return await imports_page(request, brin, 422, problems=problems, toets={"left": left})
        left = [other for other in left if other is not row]
        name = f"{found['given_name']} {found['family_name']}"
        return await imports_page(request, brin, toets={"left": left}, matched=name)

    @router.post("/po/{brin}/pupils/{pupil}/details")
    async def details(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        """The school corrects the pupil's details: name, birth date, address, parents (the first parent's
        address is where the login goes). The fields are named as the OKI-doc's checklist names them."""
        session = school_staff(request, brin)
        found = await pupil_of(request, session, brin, pupil)
        kept = {key: str(value) for key, value in form.items() if key.startswith("pupil.")}
        body, problems = details_body(kept)
        if not problems:
            try:
                await call(request, session, "dossier", "PATCH", f"/pupils/{found['id']}", json=body)
            except Refusal as refusal:
                if refusal.status not in (409, 422):
                    raise
                problems = [detail_problem(problem) for problem in refusal.problems]
        if problems:
            return await pupil_page(request, brin, pupil, 422, problems, kept)
        return RedirectResponse(f"/po/{brin}/pupils/{found['id']}?done=details#details", status_code=303)

    # ---- the paper form ----

    async def paper_situation(request: Request, session: Session, brin: str, pupil: str) -> dict[str, Any]:
        """The pupil, its final advice, the programs that fit it, and the round parents register in now."""
        found = await pupil_of(request, session, brin, pupil)
        document, region, school = await asyncio.gather(
            call(request, session, "dossier", "GET", f"/pupils/{found['id']}/oki-doc"),
            procedure.get(),
            call(request, session, "dossier", "GET", f"/schools/{brin}"),
        )
        final = (document.get("advice") or {}).get("final")
        if not final:
            raise HTTPException(404)  # no form before the final advice: the pupil's page says so
        helper = await procedure.programs_for(final["level"])
        current = open_round(region.get("rounds", []), datetime.now(UTC))
        return {"pupil": found, "advice": final["level"], "helper": helper, "round": current, "school": school}

    @router.get("/po/{brin}/pupils/{pupil}/paper-form.pdf")
    async def paper_form_pdf(request: Request, brin: str, pupil: str) -> Response:
        """The paper form for this pupil, printed by notificatie: the programs that fit the advice, the
        round's closing moment, room to number the schools and sign."""
        session = school_staff(request, brin)
        seen = await paper_situation(request, session, brin, pupil)
        if seen["round"] is None:
            raise HTTPException(404)
        found, helper, length = seen["pupil"], seen["helper"], seen["helper"]["length"]
        rule = (
            translate(request, LIST_RULE, count=length["min"])
            if not helper["choose_one"]
            else translate(request, CHOOSE_ONE)
        )
        body = {
            "pupil_id": found["id"],
            "pupil_name": f"{found['given_name']} {found['family_name']}",
            "elk_number": found["elk_number"],
            "school_name": seen["school"]["name"],
            "advice": advice_name(seen["advice"]),
            "round_name": seen["round"]["name"],
            "hand_in_before": seen["round"]["registration"]["closes"],
            "list_rule": rule,
            "programs": [
                {"school": program["school_name"], "program": program["name"]} for program in helper["programs"]
            ],
        }
        answer = await services.as_person(
            session, "notificatie", "POST", "/documents/paper-form.pdf", json=body, client=client(request)
        )
        named = content_disposition("attachment", f"aanmeldformulier-{found['elk_number']}.pdf")
        return Response(answer.content, media_type="application/pdf", headers={"Content-Disposition": named})

    async def paper_page(
        request: Request,
        brin: str,
        pupil: str,
        status_code: int = 200,
        problems: list[Problem] | None = None,
        form: Form | None = None,
    ) -> Response:
        session = school_staff(request, brin)
        seen = await paper_situation(request, session, brin, pupil)
        helper = seen["helper"]
        slots = (
            1
            if helper["choose_one"]
            else min(len(helper["programs"]), max(helper["length"]["max"] or 0, helper["length"]["min"] + 2))
        )
        return render(
            request,
            "pages/po/paper_form.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            slots=max(slots, 1),
            form=form or {},
            **seen,
        )

    @router.get("/po/{brin}/pupils/{pupil}/paper-form")
    async def paper_form(request: Request, brin: str, pupil: str) -> Response:
        return await paper_page(request, brin, pupil)

    @router.post("/po/{brin}/pupils/{pupil}/paper-form")
    async def enter_paper_form(request: Request, brin: str, pupil: str, form: CheckedForm) -> Response:
        """The school enters the list the parents numbered and signed on paper; aanmelding checks it like the
        parents' own and submits it at once."""
        session = school_staff(request, brin)
        found = await pupil_of(request, session, brin, pupil)
        slots = sorted((key for key in form if key.startswith("programs.")), key=lambda key: int(key.split(".")[1]))
        programs = chosen_programs([str(form[key]) for key in slots])
        signed_by = str(form.get("signed_by") or "").strip()
        problems = []
        if not programs:
            problems.append(Problem("choose_at_least_one", "programs.0"))
        if not signed_by:
            problems.append(Problem("required", "signed_by"))
        if not problems:
            body = {**preferences_body({}, programs=programs), "signed_by": signed_by}
            try:
                await call(
                    request, session, "aanmelding", "POST", f"/pupils/{found['id']}/registration/paper-form", json=body
                )
            except Refusal as refusal:
                if refusal.status not in (409, 422):
                    raise
                problems = [Problem(p.code, paper_field(p.field), p.ctx) for p in refusal.problems]
        if problems:
            return await paper_page(request, brin, pupil, 422, problems, form)
        return RedirectResponse(f"/po/{brin}/pupils/{found['id']}?done=paper#paper-form", status_code=303)

    # ---- imports ----

    async def imports_page(
        request: Request,
        brin: str,
        status_code: int = 200,
        problems: list[Problem] | None = None,
        **more: Any,
    ) -> Response:
        session = school_staff(request, brin)
        school, region = await asyncio.gather(
            call(request, session, "dossier", "GET", f"/schools/{brin}"), procedure.get()
        )
        return render(
            request,
            "pages/po/imports.html",
            status_code,
            errors=errors_of(request, problems or []),
            brin=brin,
            school=school,
            advices=region.get("advices", []),
            las_header=LAS_HEADER,
            toets_header=TOETS_HEADER,
            pupil_report_parts=PUPIL_REPORT,
            **more,
        )

    @router.get("/po/{brin}/imports")
    async def imports(request: Request, brin: str) -> Response:
        return await imports_page(request, brin)

    async def uploaded(request: Request) -> tuple[Form, bytes | None]:
        form = await checked_form(request)
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return form, None
        return form, await upload.read(MAX_FILE_BYTES + 1)

    @router.post("/po/{brin}/imports/pupils")
    async def import_pupils(request: Request, brin: str) -> Response:
        session = school_staff(request, brin)
        form, content = await uploaded(request)
        if not content:
            return await imports_page(request, brin, 422, [Problem("file_missing", "file")])
        overwrite = form.get("overwrite") == "yes"
        try:
            report = await call(
                request,
                session,
                "dossier",
                "POST",
                f"/schools/{brin}/pupil-import",
                content=content,
                params={"overwrite": str(overwrite).lower()},
                headers={"Content-Type": "text/csv"},
            )
        except Refusal as refusal:
            return await imports_page(request, brin, 422, file_problems(refusal))
        return await imports_page(request, brin, pupil_report=report, overwrite=overwrite)

    @router.post("/po/{brin}/imports/doorstroomtoets")
    async def import_toets(request: Request, brin: str) -> Response:
        session = school_staff(request, brin)
        form, content = await uploaded(request)
        if not content:
            return await imports_page(request, brin, 422, [Problem("file_missing", "toets_file")])
        try:
            report = await call(
                request,
                session,
                "dossier",
                "POST",
                f"/schools/{brin}/doorstroomtoets",
                content=content,
                params={"overwrite": str(form.get("overwrite") == "yes").lower()},
                headers={"Content-Type": "text/csv"},
            )
        except Refusal as refusal:
            problems = [Problem(problem.code, "toets_file") for problem in file_problems(refusal)]
            return await imports_page(request, brin, 422, problems)
        left = [*report["ambiguous"], *report["unmatched"]]
        return await imports_page(request, brin, toets={**report, "left": sorted(left, key=lambda row: row["line"])})

    return router


def rows_of(text: Any) -> list[dict[str, Any]]:
    """The rows left for matching, as the imports page carried them along (only shown, never trusted:
    dossier checks every result recorded)."""
    try:
        rows = json.loads(str(text or "[]"))
    except ValueError:
        return []
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
