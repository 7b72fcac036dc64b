"""The few exceptions every layer raises; the problem middleware maps them to RFC 9457."""

from __future__ import annotations

from typing import Any


class ProblemError(Exception):
    """An error a client can act on; carries what its problem+json body says."""

    status: int = 400
    title: str = "Bad request"
    type_slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequest(ProblemError):
    """The request cannot be read at all (malformed JSON, tampered cursor)."""


class Unauthorized(ProblemError):
    """Missing, invalid or expired credentials."""

    status, title, type_slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="nestegg"'})
        super().__init__(detail, **kwargs)


class Forbidden(ProblemError):
    """Authenticated, but not allowed."""

    status, title, type_slug = 403, "Forbidden", "forbidden"


class NotFound(ProblemError):
    """No such record for this user (also said of another user's record)."""

    status, title, type_slug = 404, "Not found", "not-found"


class Conflict(ProblemError):
    """The request conflicts with the current state (duplicate, request in flight)."""

    status, title, type_slug = 409, "Conflict", "conflict"


class QuotaExceeded(Conflict):
    """The user already holds as many records of a kind as a quota allows."""

    title, type_slug = "Quota exceeded", "quota-exceeded"


class PreconditionFailed(ProblemError):
    """An `If-Match` precondition no longer holds."""

    status, title, type_slug = 412, "Precondition failed", "precondition-failed"


class PayloadTooLarge(ProblemError):
    """The body is over the configured limit."""

    status, title, type_slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(ProblemError):
    """The body is not JSON."""

    status, title, type_slug = 415, "Unsupported media type", "unsupported-media-type"


class ValidationFailed(ProblemError):
    """The body or query parsed, but a field is wrong; `errors` names each field."""

    status, title, type_slug = 422, "Validation failed", "validation-failed"


class TooManyRequests(ProblemError):
    """A rate or concurrency limit was hit; `Retry-After` says when to come back."""

    status, title, type_slug = 429, "Too many requests", "too-many-requests"

    def __init__(self, detail: str, *, retry_after_s: int, **kwargs: Any) -> None:
        kwargs["headers"] = {
            **(kwargs.get("headers") or {}),
            "Retry-After": str(max(1, int(retry_after_s))),
        }
        super().__init__(detail, **kwargs)
        self.retry_after_s = retry_after_s


class UpstreamUnavailable(ProblemError):
    """A service this process depends on refused or failed."""

    status, title, type_slug = 502, "Bad gateway", "upstream-unavailable"


class UpstreamTimeout(ProblemError):
    """A service this process depends on did not answer in time."""

    status, title, type_slug = 504, "Gateway timeout", "upstream-timeout"


class ServiceUnavailable(ProblemError):
    """The service cannot answer right now (overloaded, or a computation ran out of time)."""

    status, title, type_slug = 503, "Service unavailable", "service-unavailable"

    def __init__(self, detail: str, *, retry_after_s: int = 5, **kwargs: Any) -> None:
        headers = {**(kwargs.pop("headers", None) or {}), "Retry-After": str(max(1, retry_after_s))}
        super().__init__(detail, headers=headers, **kwargs)
