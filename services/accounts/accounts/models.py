"""Request and response bodies of the accounts API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from accounts.passwords import weak_password_reason
from accounts.profile_models import Profile
from accounts.strict import Strict

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256


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


class PasswordChange(Strict):
    """The signed-in user's current password and the one to replace it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery",
                    "new_password": "staple gun lighthouse",
                }
            ]
        }
    )

    current_password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=PASSWORD_MAX_LENGTH,
            description="The account's password now, exactly as it was set.",
        ),
    ]
    new_password: Annotated[
        str,
        Field(
            min_length=PASSWORD_MIN_LENGTH,
            max_length=PASSWORD_MAX_LENGTH,
            description=f"The new password: {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} "
            "characters, hard to guess (the rules of registration).",
        ),
    ]


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


class Me(User):
    """The signed-in user with their profile."""

    profile: Profile = Field(description="The user's planning facts.")


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
