"""Wires aanmelding: settings, the region's procedure, runtime (database, broker, outbox, inbox), routes."""

from datetime import datetime

from fastapi import FastAPI

from loket.aanmelding import handlers
from loket.aanmelding.adapters.procedure_file import ProcedureInvalid, load, shipped
from loket.aanmelding.application.announcements import Announcer
from loket.aanmelding.application.lottery import Lotteries
from loket.aanmelding.application.primary_school import PrimarySchools
from loket.aanmelding.application.registration import Registrations
from loket.aanmelding.application.school_notes import SchoolNotes
from loket.aanmelding.application.secondary_school import Schools
from loket.aanmelding.domain.procedure import Procedure
from loket.aanmelding.http.lottery import lottery_router
from loket.aanmelding.http.outcome import outcome_router
from loket.aanmelding.http.procedure import procedure_router
from loket.aanmelding.http.registration import CodedHTTPException, coded_answer, registration_router
from loket.aanmelding.http.schools import schools_router
from loket.aanmelding.persistence.models import metadata
from loket.aanmelding.settings import AanmeldingSettings
from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime


def region_procedure(settings: AanmeldingSettings) -> Procedure:
    """The configured procedure, checked: a file for another region is refused too."""
    procedure = shipped(settings.region) if settings.procedure_file is None else load(settings.procedure_file)
    if procedure.region != settings.region:
        source = str(settings.procedure_file or f"regions/{settings.region}.toml")
        raise ProcedureInvalid(source, [f"region: {procedure.region!r}, but this instance serves {settings.region!r}"])
    return procedure


def build(settings: AanmeldingSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or AanmeldingSettings()
    procedure = region_procedure(settings)
    runtime = Runtime("aanmelding", settings, metadata)
    registrations = Registrations(runtime.database, runtime.outbox, procedure)

    def clock() -> datetime:  # the one clock of the service; tests set `registrations.clock`
        return registrations.clock()

    lotteries = Lotteries(runtime.database, runtime.outbox, procedure, clock)
    handlers.register(runtime.consumer, lotteries)

    schools = Schools(runtime.database, runtime.outbox, procedure, clock)
    primary = PrimarySchools(runtime.database, runtime.outbox, procedure, clock)
    verifier = token_verifier(settings)
    app = runtime.http_app(
        title="Loket aanmelding",
        description="Procedures per region, preference lists, priority claims, school decisions and rounds.",
        routers=[
            procedure_router(procedure),
            registration_router(registrations, procedure, verifier),
            outcome_router(registrations, procedure, verifier),
            schools_router(primary, schools, SchoolNotes(runtime.database, schools, clock), procedure, verifier),
            lottery_router(lotteries, verifier),
        ],
    )
    app.add_exception_handler(CodedHTTPException, coded_answer)  # 403, 404, 409 with their code
    app.state.procedure = procedure
    app.state.registrations = registrations
    app.state.announcer = Announcer(runtime.database, runtime.outbox, procedure, clock)
    return runtime, app
