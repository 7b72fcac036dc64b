"""Request and response bodies of the accounts API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
)

from accounts.passwords import weak_password_reason
from nestegg_common.values import CurrencyCode, DisplayText

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


_EMAIL = "The account's email address (compared case-insensitively), at most 254 characters."
_EXAMPLE_CREDENTIALS: dict[str, Any] = {
    "email": "ada@example.com",
    "password": "correct horse battery",
}


class Credentials(Strict):
    """Email and password, as sent to register and log in."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_CREDENTIALS]})

    email: Annotated[EmailStr, Field(max_length=254, description=_EMAIL)]
    password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=PASSWORD_MAX_LENGTH,
            description="The account's password, exactly as it was set.",
        ),
    ]


class Registration(Credentials):
    """A new account; the password must be long enough to resist guessing."""

    email: Annotated[EmailStr, Field(max_length=254, description=_EMAIL)]
    password: Annotated[
        str,
        Field(
            min_length=PASSWORD_MIN_LENGTH,
            max_length=PASSWORD_MAX_LENGTH,
            description=f"The new password: {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} "
            "characters.",
        ),
    ]

    @field_validator("password")
    @classmethod
    def _hard_to_guess(cls, value: str, info: ValidationInfo) -> str:
        # `email` is validated first (field order); when it failed, the rest is still checked.
        reason = weak_password_reason(value, email=str(info.data.get("email", "")))
        if reason is not None:
            raise ValueError(f"the password {reason}")
        return value


class RefreshRequest(Strict):
    """A refresh token to rotate or revoke."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"refresh_token": "c2VjcmV0LXJlZnJlc2gtdG9rZW4"}]}
    )

    refresh_token: Annotated[
        str,
        Field(
            min_length=1,
            max_length=512,
            description="The `refresh_token` of the last login or refresh answer.",
        ),
    ]


class TokenPair(BaseModel):
    """What login and refresh return."""

    access_token: str = Field(
        description="A JWT to send as `Authorization: Bearer <access_token>`; short-lived."
    )
    refresh_token: str = Field(
        description="An opaque token for `POST /api/v1/auth/refresh`; usable once (rotated)."
    )
    token_type: Literal["Bearer"] = Field("Bearer", description="Always `Bearer`.")
    expires_in: int = Field(description="Seconds until the access token expires.")


class User(BaseModel):
    """A registered account, as shown to its owner."""

    id: uuid.UUID = Field(description="The user's id.")
    email: str = Field(description="The email address the account was registered with.")
    created_at: datetime = Field(description="When the account was created (RFC 3339, UTC).")


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


class Profile(BaseModel):
    """Planning facts of a user."""

    display_name: str | None = Field(description=_DISPLAY_NAME)
    birth_date: date | None = Field(description=_BIRTH_DATE)
    retirement_age: int = Field(description=_RETIREMENT_AGE)
    life_expectancy: int = Field(description=_LIFE_EXPECTANCY)
    currency: str = Field(description=_CURRENCY)


class Me(User):
    """The signed-in user with their profile."""

    profile: Profile = Field(description="The user's planning facts.")


Currency = CurrencyCode


class ProfileUpdate(Strict):
    """A full replacement of the profile; fields left out take their documented defaults."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "display_name": "Ada",
                    "birth_date": "1975-12-10",
                    "retirement_age": 65,
                    "life_expectancy": 95,
                    "currency": "USD",
                }
            ]
        }
    )

    display_name: DisplayText | None = Field(None, description=_DISPLAY_NAME)
    birth_date: date | None = Field(None, description=_BIRTH_DATE)
    retirement_age: Annotated[int, Field(ge=30, le=100, strict=True)] = Field(
        65, description=_RETIREMENT_AGE
    )
    # validate_default: the default 95 must still be checked against a retirement age sent.
    life_expectancy: Annotated[int, Field(ge=50, le=120, strict=True)] = Field(
        95, validate_default=True, description=_LIFE_EXPECTANCY
    )
    currency: Currency = Field("USD", description=_CURRENCY)

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date_is_a_date_string(cls, value: object) -> object:
        # Lax pydantic would read a number as a Unix time; the API promises "YYYY-MM-DD".
        if value is not None and not isinstance(value, str | date):
            raise ValueError("birth_date must be a date string like 1980-05-17")
        return value

    @field_validator("birth_date")
    @classmethod
    def _birth_date_in_the_past(cls, value: date | None) -> date | None:
        if value is not None and value >= date.today():
            raise ValueError("birth_date must be in the past")
        if value is not None and value < date(1900, 1, 1):
            raise ValueError("birth_date must be on or after 1900-01-01")
        return value

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


def _without_defaults(schema: dict[str, Any]) -> None:
    # In a merge patch an absent field keeps its stored value: no field has a default.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class _ProfileMergePatch(ProfileUpdate):
    # A subclass, so ProfileUpdate's field validators (a date must be a date string, …) apply
    # to each field sent; the fields themselves are redeclared optional and nullable below.
    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_defaults)


def _merge_patch_of(model: type[BaseModel]) -> dict[str, Any]:
    """Return `model`'s fields, each optional and nullable, with the same per-field checks."""
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation: Any = (
            Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        )
        fields[name] = (annotation | None, Field(None, description=field.description))
    return fields


# The body of PATCH /me/profile (RFC 7396): any subset of ProfileUpdate's fields, where null
# resets a field to its default; the merged result is validated as a ProfileUpdate.
ProfilePatch: type[ProfileUpdate] = create_model(
    "ProfilePatch",
    __base__=_ProfileMergePatch,
    __doc__="Some profile fields to change (JSON merge patch): absent keeps, null resets to the "
    "default.",
    **_merge_patch_of(ProfileUpdate),
)


class Session(BaseModel):
    """A login's refresh-token lineage, as shown in a data export (never the token)."""

    family_id: uuid.UUID = Field(
        description="The login this refresh token belongs to; each refresh adds one to it."
    )
    issued_at: datetime = Field(description="When this refresh token was issued.")
    expires_at: datetime = Field(description="When it expires.")
    revoked_at: datetime | None = Field(
        description="When it was rotated, logged out or revoked; null while usable."
    )


class AccountExport(BaseModel):
    """Everything accounts holds about a user."""

    user: Me = Field(description="The user and their profile.")
    sessions: list[Session] = Field(
        description="Every refresh token issued to the user, oldest first (never the token)."
    )
