"""Read request bodies and queries into pydantic models, and write JSON responses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from nestegg_common.errors import BadRequest, UnsupportedMediaType, ValidationFailed
from nestegg_common.problems import validation_errors

ModelT = TypeVar("ModelT", bound=BaseModel)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


async def read_json(request: web.Request) -> Any:
    """Return the parsed JSON body; 415 when it is not JSON, 400 when it does not parse."""
    if not request.can_read_body:
        raise BadRequest("The request needs a JSON body.")
    if not _is_json(request.content_type):
        raise UnsupportedMediaType(
            f"Send the body as application/json (got {request.content_type or 'no content type'})."
        )
    raw = await request.read()  # aiohttp raises 413 past client_max_size
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as err:
        raise BadRequest("The body is not valid UTF-8.") from err
    except json.JSONDecodeError as err:
        raise BadRequest(
            f"The body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}."
        ) from err
    except (ValueError, RecursionError) as err:  # a 5,000-digit integer, a 100,000-deep array
        raise BadRequest(
            "The body is JSON this API cannot read: nested too deep or a number too long."
        ) from err
    refuse_nul(data)
    return data


def refuse_nul(value: Any, path: str = "") -> None:
    """Refuse U+0000 anywhere in parsed JSON: PostgreSQL text and jsonb cannot hold it."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed(
                "Text may not contain the NUL character (U+0000).",
                errors=[
                    {"field": path or "body", "message": "contains U+0000", "type": "string_type"}
                ],
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key, path)
            refuse_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_nul(item, f"{path}.{index}" if path else str(index))


async def read_body_model(request: web.Request, model: type[ModelT]) -> ModelT:
    """Parse and validate the JSON body as `model`; 422 names each bad field."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The body must be a JSON object.",
            errors=[{"field": "body", "message": "expected a JSON object", "type": "dict_type"}],
        )
    return model.model_validate(data)


def read_query_model(request: web.Request, model: type[ModelT]) -> ModelT:
    """Validate the query string as `model`; 422 names each bad parameter."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as err:
        raise ValidationFailed(
            "One or more query parameters are invalid; see `errors`.",
            errors=validation_errors(err, prefix="query."),
        ) from err


def json_response(
    body: BaseModel | dict[str, Any] | list[Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    utc_as_z: bool = False,
) -> web.Response:
    """Serialise a model (money as decimal strings) or plain JSON data.

    `utc_as_z` writes UTC datetimes as pydantic's JSON mode does (`…Z`, not `…+00:00`): for
    rows read from PostgreSQL straight into the answer (the ledger's pages).
    """
    data = json_bytes(body, utc_as_z=utc_as_z)
    return web.Response(body=data, status=status, content_type="application/json", headers=headers)


def json_bytes(body: BaseModel | dict[str, Any] | list[Any], *, utc_as_z: bool = False) -> bytes:
    """Return the JSON bytes `json_response` sends for `body`."""
    if isinstance(body, BaseModel):
        return body.model_dump_json().encode()
    # orjson: 1.2-1.7x the ledger's list throughput (docs/BENCHMARKS.md); int keys become
    # strings, as with the json module.
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_UTC_Z if utc_as_z else 0)
    return orjson.dumps(body, option=option)


def patch_fields(patch: Any, allowed: Iterable[str], *, noun: str) -> dict[str, Any]:
    """Return a PATCH body's fields; 422 unless it is an object naming only `allowed` fields."""
    if not isinstance(patch, dict):
        raise ValidationFailed(
            "The body must be a JSON object of the fields to change.",
            errors=[{"field": "body", "message": "expected a JSON object", "type": "dict_type"}],
        )
    unknown = sorted(set(patch) - set(allowed))
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed on a {noun}: {', '.join(unknown)}.",
            errors=[
                {"field": name, "message": "unknown or read-only field", "type": "extra_forbidden"}
                for name in unknown
            ],
        )
    return patch
