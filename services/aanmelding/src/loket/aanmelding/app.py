"""Wires aanmelding: settings, the region's procedure, runtime (database, broker, outbox, inbox, the unit
of work and its clock), the use cases, their routes and the event handlers."""

from fastapi import FastAPI

from loket.aanmelding import handlers
from loket.aanmelding.application.announcements import Announcements
from loket.aanmelding.application.exports import SchoolExports
from loket.aanmelding.application.lottery import Lotteries
from loket.aanmelding.application.outcome import Outcomes
from loket.aanmelding.application.primary_school import PrimarySchools
from loket.aanmelding.application.procedure import Timeline, region_procedure
from loket.aanmelding.application.registration import Registrations
from loket.aanmelding.application.school_notes import SchoolNotes
from loket.aanmelding.application.secondary_school import SecondarySchools
from loket.aanmelding.http.lottery import lottery_router
from loket.aanmelding.http.outcome import outcome_router
from loket.aanmelding.http.procedure import procedure_router
from loket.aanmelding.http.registration import registration_router
from loket.aanmelding.http.schools import schools_router
from loket.aanmelding.persistence.models import metadata
from loket.aanmelding.settings import AanmeldingSettings
from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime


def build(settings: AanmeldingSettings | None = None) -> tuple[Runtime, FastAPI]:
    """The service; its one clock is `runtime.work.clock` (a test sets its own there)."""
    settings = settings or AanmeldingSettings()
    procedure = region_procedure(settings.region, settings.procedure_file)
    runtime = Runtime("aanmelding", settings, metadata)
    work = runtime.work
    lotteries = Lotteries(work, procedure)
    handlers.register(runtime.consumer, lotteries)

    secondary = SecondarySchools(work, procedure)
    verifier = token_verifier(settings)
    app = runtime.http_app(
        title="Loket aanmelding",
        description="Procedures per region, preference lists, priority claims, school decisions and rounds.",
        routers=[
            procedure_router(procedure, Timeline(work, procedure)),
            registration_router(Registrations(work, procedure), procedure, verifier),
            outcome_router(Outcomes(work, procedure), procedure, verifier),
            schools_router(
                PrimarySchools(work, procedure),
                secondary,
                SchoolNotes(work, secondary),
                SchoolExports(work, procedure),
                procedure,
                verifier,
            ),
            lottery_router(lotteries, verifier),
        ],
    )
    app.state.procedure = procedure
    app.state.announcer = Announcements(work, procedure)
    return runtime, app
