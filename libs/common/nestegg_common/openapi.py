"""Describe public operations declaratively and build OpenAPI 3.1 documents from pydantic models.

Each service lists its public operations (`Operation`) and serves the document built from them
at `GET /internal/openapi.json`; the gateway merges those fragments with `merge_documents`.
Schemas come from the same pydantic models the handlers validate and serialise with, so the
document cannot drift from the code: request bodies and queries in pydantic's "validation" mode,
response bodies in its "serialization" mode (JSON Schema 2020-12, which OpenAPI 3.1 uses).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, create_model
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from nestegg_common.openapi_vocabulary import (
    PROBLEM,
    PROBLEM_DESCRIPTIONS,
    PROBLEM_HEADERS,
    PROBLEM_SCHEMAS,
    REF_TEMPLATE,
    REQUEST_HEADERS,
    RESPONSE_HEADERS,
    STRING_SCHEMA,
    JsonObject,
)
from nestegg_common.problems import PROBLEM_CONTENT_TYPE, Handler

OPENAPI_VERSION = "3.1.0"
SECURITY_SCHEME = "bearerAuth"
# Relative: the paths are served by whichever gateway served the document (OpenAPI 3.1 §4.8.5).
SERVERS: list[JsonObject] = [
    {"url": "/", "description": "The gateway that served this document (paths include /api/v1)."}
]

Method = Literal["get", "post", "put", "patch", "delete"]
__all__ = [
    "PROBLEM_DESCRIPTIONS",
    "PROBLEM_SCHEMAS",
    "REQUEST_HEADERS",
    "RESPONSE_HEADERS",
    "JsonObject",
    "Operation",
    "Reply",
    "build_document",
    "fragment_handler",
    "merge_documents",
    "page_model",
    "problem_reply",
]


@dataclass(frozen=True)
class Reply:
    """A success answer: what it means, its body and the headers it sets."""

    description: str
    model: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()
    media_type: str | None = None  # a body no model describes (a document, a page)


@dataclass(frozen=True)
class Operation:
    """One public operation, as a client sees it through the gateway."""

    method: Method
    path: str
    operation_id: str
    summary: str
    tags: tuple[str, ...]
    responses: Mapping[int, Reply]
    description: str = ""
    request: type[BaseModel] | None = None
    partial_request: bool = False  # PATCH: any subset of the request model's fields
    query: type[BaseModel] | None = None
    path_params: Mapping[str, str] = field(default_factory=dict)  # name → description (uuid)
    request_headers: tuple[str, ...] = ()
    auth: bool = True
    errors: Mapping[int, str] = field(default_factory=dict)  # status → meaning ("" = generic)
    # The request body's example; by default the first of the request model's `examples`.
    example: JsonObject | None = None


class _Generator(GenerateJsonSchema):
    """Mark every serialised field required: `json_response` always writes every field."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        """Say whether a field is required in this mode."""
        if self.mode == "serialization":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)


def page_model(item: type[BaseModel], name: str) -> type[BaseModel]:
    """Return the model of one keyset page of `item`s: `{items, next_cursor}`."""
    model: type[BaseModel] = create_model(
        name,
        __doc__=f"One page of {item.__name__} records, newest first; `next_cursor` is null at "
        "the end.",
        items=(
            list[item],  # type: ignore[valid-type]
            Field(description="At most `limit` records, newest first."),
        ),
        next_cursor=(
            str | None,
            Field(description="Pass it as `cursor` to get the next page; null on the last page."),
        ),
    )
    return model


def _merge_into(target: dict[str, Any], extra: Mapping[str, Any], *, what: str) -> None:
    for key, value in extra.items():
        if key in target and target[key] != value:
            raise ValueError(f"{what} {key!r} is defined twice, differently")
        target[key] = value


def problem_reply(status: int, description: str = "") -> JsonObject:
    """Return the OpenAPI response object of a problem+json answer with `status`."""
    names = (*PROBLEM_HEADERS.get(status, ()), "X-Request-Id")
    return {
        "description": description or PROBLEM_DESCRIPTIONS.get(status, "An error."),
        "headers": {n: _header_ref(n) for n in names},
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": REF_TEMPLATE.format(model=PROBLEM)}}},
    }


def _header_ref(name: str) -> JsonObject:
    if name not in RESPONSE_HEADERS:
        raise ValueError(f"unknown response header {name!r}: describe it in RESPONSE_HEADERS")
    return {"$ref": f"#/components/headers/{name}"}


def _implied_errors(op: Operation) -> dict[int, str]:
    """Return the error statuses the shared middlewares and helpers give this operation."""
    # Any operation may meet an unreachable database (or an overloaded service): 503 + Retry-After.
    implied: dict[int, str] = {503: ""}
    if op.auth:
        implied[401] = ""
    if op.request is not None:
        implied |= {400: "", 413: "", 415: "", 422: ""}
    if op.query is not None:
        implied[422] = ""
    if "Idempotency-Key" in op.request_headers:
        implied[409] = "A request with this Idempotency-Key is still in progress; retry shortly."
        implied[422] = ""
    if "If-Match" in op.request_headers:
        implied[412] = ""
    return implied | dict(op.errors)


def _param(
    name: str, where: str, description: str, schema: JsonObject, required: bool
) -> JsonObject:
    return {
        "name": name,
        "in": where,
        "required": required,
        "description": description,
        "schema": schema,
    }


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[JsonObject]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
    _merge_into(schemas, schema.get("$defs", {}), what="schema")
    required = set(schema.get("required", ()))
    return [
        _param(
            name,
            "query",
            prop.get("description", ""),
            {k: v for k, v in prop.items() if k != "description"},
            name in required,
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[JsonObject]:
    uuid: JsonObject = {"type": "string", "format": "uuid"}
    params = [_param(n, "path", d, uuid, True) for n, d in op.path_params.items()]
    params += [_param(n, "header", *REQUEST_HEADERS[n], False) for n in op.request_headers]
    if op.query is not None:
        params += _query_parameters(op.query, schemas)
    return params


def _patch_schema(schemas: dict[str, Any], name: str) -> JsonObject:
    """Add `<name>Patch` (every field optional, no defaults) and return a reference to it."""
    patch = copy.deepcopy(schemas[name])
    patch.pop("required", None)
    patch["title"] = f"{name}Patch"
    patch["description"] = (
        f"Any subset of the fields of {name}; the fields sent replace the stored ones and the "
        "result must be a valid record."
    )
    for prop in patch.get("properties", {}).values():
        prop.pop("default", None)
    schemas[f"{name}Patch"] = patch
    return {"$ref": REF_TEMPLATE.format(model=f"{name}Patch")}


def _body_content(schema: JsonObject, media_type: str = "application/json") -> JsonObject:
    return {media_type: {"schema": schema}}


def _success_reply(reply: Reply, refs: Mapping[Any, JsonObject]) -> JsonObject:
    answer: JsonObject = {"description": reply.description}
    answer["headers"] = {n: _header_ref(n) for n in (*reply.headers, "X-Request-Id")}
    if reply.model is not None:
        answer["content"] = _body_content(refs[(reply.model, "serialization")])
    elif reply.media_type is not None:
        loose = {"type": "object"} if reply.media_type.endswith("json") else STRING_SCHEMA
        answer["content"] = _body_content(loose, reply.media_type)
    return answer


def _operation(
    op: Operation, refs: Mapping[Any, JsonObject], schemas: dict[str, Any]
) -> JsonObject:
    doc: JsonObject = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": list(op.tags),
        "security": [{SECURITY_SCHEME: []}] if op.auth else [],
    }
    if op.description:
        doc["description"] = op.description
    if params := _parameters(op, schemas):
        doc["parameters"] = params
    if op.request is not None:
        ref = refs[(op.request, "validation")]
        name = str(ref["$ref"]).rsplit("/", 1)[-1]
        schema = _patch_schema(schemas, name) if op.partial_request else ref
        content = _body_content(schema)
        example = op.example if op.example is not None else _model_example(schemas[name])
        if example is not None:
            content["application/json"]["example"] = example
        doc["requestBody"] = {"required": True, "content": content}
    responses = {str(s): _success_reply(r, refs) for s, r in sorted(op.responses.items())}
    for status, description in sorted(_implied_errors(op).items()):
        responses[str(status)] = problem_reply(status, description)
    doc["responses"] = responses
    return doc


def _model_example(schema: JsonObject) -> JsonObject | None:
    """Return the first example a model's schema gives (`json_schema_extra`), if any."""
    examples = schema.get("examples")
    return copy.deepcopy(examples[0]) if examples else None


def _models_of(operations: Iterable[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for op in operations:
        if op.request is not None:
            wanted.append((op.request, "validation"))
        wanted += [(r.model, "serialization") for r in op.responses.values() if r.model]
    return list(dict.fromkeys(wanted))


def build_document(
    operations: Sequence[Operation],
    *,
    title: str,
    version: str = "1",
    description: str = "",
    tags: Mapping[str, str] | None = None,
    servers: Sequence[JsonObject] = (),
) -> JsonObject:
    """Build the OpenAPI 3.1 document of `operations` (`servers` only in a whole document)."""
    refs, defs = models_json_schema(
        _models_of(operations), ref_template=REF_TEMPLATE, schema_generator=_Generator
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    _merge_into(schemas, PROBLEM_SCHEMAS, what="schema")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        if op.method in paths.get(op.path, {}):
            raise ValueError(f"{op.method.upper()} {op.path} is declared twice")
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs, schemas)
    used = dict.fromkeys(t for op in operations for t in op.tags)
    described = tags or {}
    document: JsonObject = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        **({"servers": copy.deepcopy(list(servers))} if servers else {}),
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "headers": {
                name: {"description": description, "required": required, "schema": schema}
                for name, (description, schema, required) in RESPONSE_HEADERS.items()
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The `access_token` of `POST /api/v1/auth/login`.",
                }
            },
        },
        "tags": [
            {"name": t, "description": described[t]} if t in described else {"name": t}
            for t in used
        ],
    }
    return document


def merge_documents(base: JsonObject, *fragments: JsonObject) -> JsonObject:
    """Merge fragments into a copy of `base`; raise ValueError when two disagree."""
    merged = copy.deepcopy(base)
    for fragment in fragments:
        paths = merged.setdefault("paths", {})
        for path, methods in fragment.get("paths", {}).items():
            target = paths.setdefault(path, {})
            for method in methods:
                if method in target:
                    raise ValueError(f"{method.upper()} {path} is declared twice")
            target.update(copy.deepcopy(methods))
        components = merged.setdefault("components", {})
        for section, entries in fragment.get("components", {}).items():
            _merge_into(components.setdefault(section, {}), entries, what=section)
        names = {t["name"] for t in merged.setdefault("tags", [])}
        merged["tags"] += [
            copy.deepcopy(t) for t in fragment.get("tags", ()) if t["name"] not in names
        ]
    ids = [
        op["operationId"] for methods in merged.get("paths", {}).values() for op in methods.values()
    ]
    if len(ids) != len(set(ids)):
        raise ValueError("an operationId is used twice")
    return merged


def fragment_handler(
    operations: Callable[[], Sequence[Operation]],
    *,
    title: str,
    tags: Mapping[str, str] | None = None,
) -> Handler:
    """Build a handler that serves the document of `operations()`, built on first use."""
    built: list[str] = []

    async def get_openapi_fragment(request: web.Request) -> web.StreamResponse:
        if not built:
            built.append(json.dumps(build_document(operations(), title=title, tags=tags)))
        return web.Response(text=built[0], content_type="application/json")

    return get_openapi_fragment
