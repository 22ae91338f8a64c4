"""What aanmelding does when other services' events arrive, one module per event: dossier's tell what it
knows of a pupil (`on_final_advice` opens registration), loting's bring a ceremony's result
(`on_result_issued`). Each handler calls one use case in the unit of work of its delivery."""

from loket.aanmelding.application.lottery import Lotteries
from loket.aanmelding.handlers.on_final_advice import on_final_advice
from loket.aanmelding.handlers.on_form_outdated import on_form_outdated
from loket.aanmelding.handlers.on_group_teachers_changed import on_group_teachers_changed
from loket.aanmelding.handlers.on_pupil_group_changed import on_pupil_group_changed
from loket.aanmelding.handlers.on_pupil_registered import on_pupil_registered
from loket.aanmelding.handlers.on_result_issued import on_result_issued
from loket.aanmelding.handlers.on_run_refused import on_run_refused
from loket.contracts.events import (
    FinalAdviceGiven,
    GroupTeachersChanged,
    PupilGroupChanged,
    PupilRegistered,
    RegistrationFormOutdated,
    ResultIssued,
    RunRefused,
)
from loket.contracts.inbox import Consumer


def register(consumer: Consumer, lotteries: Lotteries) -> None:
    consumer.on(ResultIssued)(on_result_issued(lotteries))
    consumer.on(RunRefused)(on_run_refused(lotteries))
    consumer.on(PupilRegistered)(on_pupil_registered)
    consumer.on(FinalAdviceGiven)(on_final_advice)
    consumer.on(RegistrationFormOutdated)(on_form_outdated)
    consumer.on(PupilGroupChanged)(on_pupil_group_changed)
    consumer.on(GroupTeachersChanged)(on_group_teachers_changed)
