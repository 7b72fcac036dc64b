"""The profile's bodies: the household (DESIGN §4 "Me"), as answered, replaced and patched.

The household is the person and, when present, their partner. The first person's fields keep
their rules; the partner's mirror them with the engine's ranges (`retirement_age` 0–120,
`life_expectancy` 1–120, retirement not after the end, and the partner still alive by the plan:
younger today than `life_expectancy`). `filing_status: married_joint` needs a partner; when it
has none the error names `filing_status` — also when a PATCH removes the partner (one rule, one
field: docs/API.md, "Household").
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from accounts.strict import Strict
from nestegg_common.values import CurrencyCode, DisplayText

Sex = Literal["female", "male", "unspecified"]
FilingStatus = Literal["single", "married_joint"]
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_DISPLAY_NAME = "How to address the user: 1–100 characters, trimmed; null = none."
_BIRTH_DATE = (
    "Date of birth (YYYY-MM-DD), on or after 1900-01-01 and in the past; it gives the current "
    "age of every projection. Null = not set (projections need it)."
)
_RETIREMENT_AGE = "The age (whole years) at which work stops: 30–100, default 65."
_LIFE_EXPECTANCY = (
    "The age (whole years) the plan must last to: 50–120 and above `retirement_age`, default 95."
)
_CURRENCY = "The currency of every amount, an active ISO 4217 code; default `USD`."
_SEX = (
    "`female`, `male` or `unspecified` (default). Used only to pick the mortality table of "
    "stochastic lifespans (`unspecified`: the mean of the two tables' death rates)."
)
_FILING_STATUS = (
    "The tax filing status: `single` (default) or `married_joint`, which needs a `partner` "
    "(otherwise 422 naming `filing_status`, also when a PATCH removes the partner)."
)
_PARTNER = (
    "The second person of the household, or null (default) for one person. In a PATCH, an "
    "object merges member by member into the stored partner and null removes it."
)
_PARTNER_NAME = "How to call the partner: 1–100 characters, trimmed; null (default) = none."
_PARTNER_BIRTH_DATE = (
    "The partner's date of birth (YYYY-MM-DD), on or after 1900-01-01 and in the past. Required."
)
_PARTNER_SEX = "The partner's sex, as `sex`: `female`, `male` or `unspecified` (default)."
_PARTNER_RETIREMENT_AGE = (
    "The partner's age (whole years) at which their work stops: 0–120, default 65; an age "
    "already past means they are retired."
)
_PARTNER_LIFE_EXPECTANCY = (
    "The partner's age (whole years) the plan must last to: 1–120, at least `retirement_age` "
    "and above the partner's age today; default 95."
)


def _date_string(value: object) -> object:
    # Lax pydantic would read a number as a Unix time; the API promises "YYYY-MM-DD".
    if value is not None and not isinstance(value, str | date):
        raise ValueError("birth_date must be a date string like 1980-05-17")
    return value


def _past_birth_date(value: date | None) -> date | None:
    if value is not None and value >= date.today():
        raise ValueError("birth_date must be in the past")
    if value is not None and value < EARLIEST_BIRTH_DATE:
        raise ValueError("birth_date must be on or after 1900-01-01")
    return value


def age_on(birth_date: date, day: date) -> int:
    """Return the completed years from `birth_date` to `day` (the age on that day)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


class ProfilePartner(BaseModel):
    """The household's second person, as stored."""

    name: str | None = Field(description=_PARTNER_NAME)
    birth_date: date = Field(description=_PARTNER_BIRTH_DATE)
    sex: Sex = Field(description=_PARTNER_SEX)
    retirement_age: int = Field(description=_PARTNER_RETIREMENT_AGE)
    life_expectancy: int = Field(description=_PARTNER_LIFE_EXPECTANCY)


class Profile(BaseModel):
    """Planning facts of a user: the household."""

    display_name: str | None = Field(description=_DISPLAY_NAME)
    birth_date: date | None = Field(description=_BIRTH_DATE)
    sex: Sex = Field(description=_SEX)
    retirement_age: int = Field(description=_RETIREMENT_AGE)
    life_expectancy: int = Field(description=_LIFE_EXPECTANCY)
    currency: str = Field(description=_CURRENCY)
    filing_status: FilingStatus = Field(description=_FILING_STATUS)
    partner: ProfilePartner | None = Field(description=_PARTNER)


_EXAMPLE_PARTNER: dict[str, Any] = {
    "name": "Charles",
    "birth_date": "1973-03-02",
    "sex": "male",
    "retirement_age": 67,
    "life_expectancy": 92,
}


class ProfilePartnerUpdate(Strict):
    """The partner in a profile replacement; members left out take their defaults."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_PARTNER]})

    name: DisplayText | None = Field(None, description=_PARTNER_NAME)
    birth_date: date = Field(description=_PARTNER_BIRTH_DATE)
    sex: Sex = Field("unspecified", description=_PARTNER_SEX)
    retirement_age: Annotated[int, Field(ge=0, le=120, strict=True)] = Field(
        65, description=_PARTNER_RETIREMENT_AGE
    )
    # validate_default: the default 95 must still be checked against the age and retirement.
    life_expectancy: Annotated[int, Field(ge=1, le=120, strict=True)] = Field(
        95, validate_default=True, description=_PARTNER_LIFE_EXPECTANCY
    )

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date_is_a_date_string(cls, value: object) -> object:
        return _date_string(value)

    @field_validator("birth_date")
    @classmethod
    def _birth_date_in_the_past(cls, value: date | None) -> date | None:
        return _past_birth_date(value)

    @field_validator("life_expectancy")
    @classmethod
    def _alive_and_retiring_before_the_end(cls, value: int, info: ValidationInfo) -> int:
        # None only in a merge patch (ProfilePartnerPatch): the merged result is checked again.
        retirement_age, birth_date = info.data.get("retirement_age"), info.data.get("birth_date")
        if value is not None and retirement_age is not None and value < retirement_age:
            raise ValueError(f"life_expectancy must be at least retirement_age ({retirement_age})")
        if value is not None and birth_date is not None:
            age = age_on(birth_date, date.today())
            if age >= value:
                raise ValueError(f"life_expectancy must be above the partner's age today ({age})")
        return value


_EXAMPLE_PROFILE: dict[str, Any] = {
    "display_name": "Ada",
    "birth_date": "1975-12-10",
    "sex": "female",
    "retirement_age": 65,
    "life_expectancy": 95,
    "currency": "USD",
    "filing_status": "married_joint",
    "partner": _EXAMPLE_PARTNER,
}


class ProfileUpdate(Strict):
    """A full replacement of the profile; fields left out take their documented defaults."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE_PROFILE,
                {"display_name": "Ada", "birth_date": "1975-12-10", "currency": "USD"},
            ]
        }
    )

    display_name: DisplayText | None = Field(None, description=_DISPLAY_NAME)
    birth_date: date | None = Field(None, description=_BIRTH_DATE)
    sex: Sex = Field("unspecified", description=_SEX)
    retirement_age: Annotated[int, Field(ge=30, le=100, strict=True)] = Field(
        65, description=_RETIREMENT_AGE
    )
    # validate_default: the default 95 must still be checked against a retirement age sent.
    life_expectancy: Annotated[int, Field(ge=50, le=120, strict=True)] = Field(
        95, validate_default=True, description=_LIFE_EXPECTANCY
    )
    currency: CurrencyCode = Field("USD", description=_CURRENCY)
    # Before `filing_status`, whose check needs to know whether a valid partner came with it.
    partner: ProfilePartnerUpdate | None = Field(None, description=_PARTNER)
    filing_status: FilingStatus = Field("single", description=_FILING_STATUS)

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date_is_a_date_string(cls, value: object) -> object:
        return _date_string(value)

    @field_validator("birth_date")
    @classmethod
    def _birth_date_in_the_past(cls, value: date | None) -> date | None:
        return _past_birth_date(value)

    @field_validator("life_expectancy")
    @classmethod
    def _life_after_retirement(cls, value: int, info: ValidationInfo) -> int:
        retirement_age = info.data.get("retirement_age")
        # None only in a merge patch (ProfilePatch), where the merged result is checked again.
        if retirement_age is not None and value is not None and value <= retirement_age:
            raise ValueError(
                f"life_expectancy must be greater than retirement_age ({retirement_age})"
            )
        return value

    @field_validator("filing_status")
    @classmethod
    def _joint_filing_needs_a_partner(cls, value: FilingStatus, info: ValidationInfo) -> str:
        # A partner that failed its own checks is missing from info.data: its errors suffice.
        if value == "married_joint" and "partner" in info.data and info.data["partner"] is None:
            raise ValueError("married_joint needs a partner: add `partner` or file as single")
        return value


def _without_defaults(schema: dict[str, Any]) -> None:
    # In a merge patch an absent field keeps its stored value: no field has a default.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


def _merge_patch_of(model: type[BaseModel], **replaced: Any) -> dict[str, Any]:
    """Return `model`'s fields, each optional and nullable, with the same per-field checks.

    `replaced` gives the patch type of a field whose value is itself an object (its own patch
    model), so that a partial object merges instead of being refused for missing members.
    """
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation: Any = (
            Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        )
        annotation = replaced.get(name, annotation)
        fields[name] = (annotation | None, Field(None, description=field.description))
    return fields


class _PartnerMergePatch(ProfilePartnerUpdate):
    # A subclass, so the per-member checks apply to each member sent (see _ProfileMergePatch).
    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_defaults)


ProfilePartnerPatch: type[ProfilePartnerUpdate] = create_model(
    "ProfilePartnerPatch",
    __base__=_PartnerMergePatch,
    __doc__="Some members of the partner to change (JSON merge patch): absent keeps, null resets "
    "to the default; when there is no partner yet, the result must be a whole partner.",
    **_merge_patch_of(ProfilePartnerUpdate),
)


class _ProfileMergePatch(ProfileUpdate):
    # A subclass, so ProfileUpdate's field validators (a date must be a date string, …) apply
    # to each field sent; the fields themselves are redeclared optional and nullable below.
    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_defaults)

    @field_validator("filing_status")
    @classmethod
    def _joint_filing_needs_a_partner(cls, value: FilingStatus, info: ValidationInfo) -> str:
        # Overrides ProfileUpdate's: a patch without `partner` keeps the stored one, so the
        # household is checked on the merged result (accounts/profiles.py), not here.
        return value


# The body of PATCH /me/profile (RFC 7396): any subset of ProfileUpdate's fields, where null
# resets a field to its default (removes the partner); the merged result is validated as a
# ProfileUpdate.
ProfilePatch: type[ProfileUpdate] = create_model(
    "ProfilePatch",
    __base__=_ProfileMergePatch,
    __doc__="Some profile fields to change (JSON merge patch): absent keeps, null resets to the "
    "default.",
    **_merge_patch_of(ProfileUpdate, partner=ProfilePartnerPatch),
)
