"""The OKI-doc's parts as the API reads and writes them (`domain/oki_doc.py` names every field by path)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from loket.dossier.domain.oki_doc import Assessment, OkiDocStatus


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(Part):
    street: str | None = Field(default=None, max_length=200)
    house_number: str | None = Field(default=None, max_length=16)
    postcode: str | None = Field(default=None, max_length=16)
    city: str | None = Field(default=None, max_length=200)


class Parent(Part):
    name: str | None = Field(default=None, max_length=200)
    relation: str | None = Field(default=None, max_length=64, description="e.g. moeder, vader, voogd")
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32)


class SchoolYear(Part):
    school_year: str = Field(pattern=r"^\d{4}-\d{4}$", description="e.g. 2024-2025")
    school: str = Field(max_length=200)
    year_level: int = Field(ge=1, le=8, description="The groep.")
    note: str | None = Field(default=None, max_length=4000)


class AdviceGiven(Part):
    level: str | None = Field(default=None, description="One level or two adjacent ones, e.g. havo, vmbo_gt/havo.")
    motivation: str | None = Field(default=None, max_length=4000)


class ContactPerson(Part):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32)


class AdvicePart(Part):
    provisional_7: AdviceGiven | None = Field(default=None, description="Voorlopig advies groep 7.")
    provisional_8: AdviceGiven | None = Field(default=None, description="Voorlopig advies groep 8, with motivation.")
    support_advice: str | None = Field(default=None, max_length=4000, description="Advice on extra support.")
    support_needed: bool | None = Field(default=None, description="The pupil needs extra support in secondary school.")
    contact_person: ContactPerson | None = None
    tafelmiddag: bool | None = Field(default=None, description="The pupil is discussed at the tafelmiddag.")


class TestResult(Part):
    school_year: str = Field(pattern=r"^\d{4}-\d{4}$")
    subject: str = Field(max_length=100, description="e.g. begrijpend lezen, rekenen-wiskunde")
    test: str = Field(max_length=100, description="e.g. the test's name and moment (M8)")
    score: str | None = Field(default=None, max_length=32)
    level: str | None = Field(default=None, max_length=32, description="e.g. a DLE score, a referentieniveau")


class Absence(Part):
    authorised_days: int | None = Field(default=None, ge=0)
    unauthorised_days: int | None = Field(default=None, ge=0)
    note: str | None = Field(default=None, max_length=4000)


class SupportItem(Part):
    item: str = Field(max_length=200, description="e.g. technisch lezen, taakaanpak, concentratie")
    assessment: Assessment
    explanation: str | None = Field(default=None, max_length=4000, description="Required when it needs support.")


class SupportPart(Part):
    absence: Absence | None = Field(default=None, description="Verzuim.")
    didactic: list[SupportItem] = Field(default_factory=list, description="Didactische vaardigheden.")
    behaviour: list[SupportItem] = Field(default_factory=list, description="Werkhouding en gedrag.")


class OverviewPart(Part):
    parents_inspected_on: date | None = Field(default=None, description="When the parents saw the OKI-doc.")
    parents_agreed: bool | None = Field(default=None, description="Whether they agreed; not needed to transfer.")
    parents_view: str | None = Field(default=None, max_length=4000, description="Required when they did not agree.")


class OkiDocChange(Part):
    """The parts to replace; a part left out stays as it is."""

    school_career: list[SchoolYear] | None = None
    advice: AdvicePart | None = None
    test_results: list[TestResult] | None = None
    support: SupportPart | None = None
    overview: OverviewPart | None = None

    def parts(self) -> dict[str, Any]:
        return {name: value for name, value in self.model_dump(mode="json", exclude_unset=True).items()}


class Doorstroomtoets(BaseModel):
    test: str | None = None
    level: str
    recorded_at: datetime


class FinalAdvice(BaseModel):
    level: str
    motivation: str | None = None
    not_raised_because: str | None = None
    given_at: datetime


class PupilPart(BaseModel):
    elk_number: str
    school_brin: str
    given_name: str
    family_name: str
    birth_date: date
    address: Address | None
    parents: list[Parent]
    school_career: list[SchoolYear]


class AdviceOut(AdvicePart):
    doorstroomtoets: Doorstroomtoets | None = None
    final: FinalAdvice | None = None


class MissingField(BaseModel):
    path: str = Field(description="Where in the OKI-doc, e.g. advice.provisional_8.motivation.")
    name: str = Field(description="The field's name as the school sees it.")


class OkiDocOut(BaseModel):
    pupil_id: UUID
    status: OkiDocStatus
    pupil: PupilPart
    advice: AdviceOut
    test_results: list[TestResult]
    support: SupportPart
    overview: OverviewPart
    missing: list[MissingField] | None = Field(
        description="Required fields still empty; not shown to parents or secondary schools."
    )
    revision_needed: bool = Field(
        description="The doorstroomtoets result is higher than the final advice, and no reasons are given."
    )
    changed_at: datetime | None
    completed_at: datetime | None
    finalised_at: datetime | None
