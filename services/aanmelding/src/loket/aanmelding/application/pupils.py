"""What aanmelding learns of a pupil from dossier's events, each in the unit of work of its delivery: a
final advice opens registration, a new pupil's ELK number is what a twin names them by, the registration
form is outdated when the pupil's details change, and a pupil's group and a group's teachers decide which
teachers see the pupil. Events may come out of order: a later fact is never overwritten by an earlier one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loket.aanmelding.domain.eligibility import advice_levels
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.events import (
    FinalAdviceGiven,
    GroupTeachersChanged,
    PupilGroupChanged,
    PupilRegistered,
    RegistrationFormOutdated,
)
from loket.contracts.runtime.unit_of_work import UnitOfWork


async def pupil_registered(uow: UnitOfWork[Any], registered: PupilRegistered) -> None:
    pupil = await Repositories(uow.session).pupils.locked(registered.pupil_id, registered.school_brin)
    pupil.school_brin = registered.school_brin
    pupil.elk_number = registered.elk_number


async def final_advice_given(uow: UnitOfWork[Any], given: FinalAdviceGiven, at: datetime) -> None:
    """Registration opens for the pupil."""
    advice_levels(given.advice)  # an advice aanmelding cannot read is a poison message: dead-letter it
    pupil = await Repositories(uow.session).pupils.locked(given.pupil_id, given.school_brin)
    pupil.school_brin = given.school_brin
    if pupil.advice_given_at is not None and pupil.advice_given_at > at:
        return  # a later advice already arrived
    pupil.advice, pupil.advice_given_at = given.advice, at


async def form_outdated(uow: UnitOfWork[Any], outdated: RegistrationFormOutdated, at: datetime) -> None:
    pupil = await Repositories(uow.session).pupils.locked(outdated.pupil_id, outdated.school_brin)
    pupil.school_brin = outdated.school_brin
    pupil.form_outdated_at = max(pupil.form_outdated_at or at, at)


async def group_changed(uow: UnitOfWork[Any], grouped: PupilGroupChanged, at: datetime) -> None:
    pupil = await Repositories(uow.session).pupils.locked(grouped.pupil_id, grouped.school_brin)
    pupil.school_brin = grouped.school_brin
    if pupil.group_changed_at is not None and pupil.group_changed_at > at:
        return  # a later group already arrived
    pupil.group_name, pupil.group_changed_at = grouped.group, at


async def teachers_changed(uow: UnitOfWork[Any], changed: GroupTeachersChanged, at: datetime) -> None:
    group = await Repositories(uow.session).teaching.locked(changed.school_brin, changed.group)
    if group.changed_at > at:
        return  # a later set of teachers already arrived
    group.teachers, group.changed_at = list(changed.teachers), at
