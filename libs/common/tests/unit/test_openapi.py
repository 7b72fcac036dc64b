"""OpenAPI 3.1 documents built from pydantic models: structure, references, merging, validity."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from pydantic import BaseModel, ConfigDict, Field

from nestegg_common.openapi import (
    PROBLEM_SCHEMAS,
    Operation,
    Reply,
    build_document,
    fragment_handler,
    merge_documents,
    page_model,
)
from nestegg_common.pagination import PageQuery
from nestegg_common.problems import problem_response


class Part(BaseModel):
    """A part of a widget."""

    label: str


class Widget(BaseModel):
    """A widget as a client writes it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    kind: Literal["round", "square"]
    price: Decimal = Field(ge=0, decimal_places=2)
    parts: list[Part] = []


class WidgetOut(Widget):
    """A widget as stored."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    created_at: datetime
    note: str | None = None


WidgetPage = page_model(WidgetOut, "WidgetPage")
ID = {"id": "The widget's id."}


def widget_operations() -> list[Operation]:
    return [
        Operation(
            "get",
            "/api/v1/widgets",
            "listWidgets",
            "List widgets",
            ("widgets",),
            {200: Reply("One page.", WidgetPage)},
            query=PageQuery,
            errors={400: "Bad cursor."},
        ),
        Operation(
            "post",
            "/api/v1/widgets",
            "createWidget",
            "Create a widget",
            ("widgets",),
            {201: Reply("Created.", WidgetOut, ("Location", "ETag"))},
            request=Widget,
            request_headers=("Idempotency-Key",),
        ),
        Operation(
            "patch",
            "/api/v1/widgets/{id}",
            "updateWidget",
            "Change a widget",
            ("widgets",),
            {200: Reply("Changed.", WidgetOut, ("ETag",))},
            request=Widget,
            partial_request=True,
            path_params=ID,
            request_headers=("If-Match",),
            errors={404: "No such widget."},
        ),
        Operation(
            "delete",
            "/api/v1/widgets/{id}",
            "deleteWidget",
            "Delete a widget",
            ("widgets",),
            {204: Reply("Deleted.")},
            path_params=ID,
            errors={404: ""},
        ),
        Operation(
            "get",
            "/api/v1/widgets/catalogue",
            "getCatalogue",
            "Read the catalogue",
            ("catalogue",),
            {200: Reply("The catalogue.", media_type="text/html")},
            auth=False,
        ),
    ]


@pytest.fixture
def document() -> dict[str, Any]:
    return build_document(
        widget_operations(), title="Widgets", tags={"widgets": "Things with parts."}
    )


def refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def schema_validator(document: dict[str, Any], ref: str) -> OAS31Validator:
    return OAS31Validator({"$ref": ref, "components": document["components"]})


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_models_and_their_nested_models_become_named_component_schemas(
    document: dict[str, Any],
) -> None:
    assert set(document["components"]["schemas"]) == {
        "FieldError",
        "Part",
        "Problem",
        "Widget",
        "WidgetOut",
        "WidgetPage",
        "WidgetPatch",
    }
    widget_out = document["components"]["schemas"]["WidgetOut"]
    assert widget_out["properties"]["parts"]["items"] == {"$ref": "#/components/schemas/Part"}
    page = document["components"]["schemas"]["WidgetPage"]
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/WidgetOut"}


def test_every_reference_resolves_inside_the_document(document: dict[str, Any]) -> None:
    refs = set(refs_in(document))
    assert refs and all(r.startswith("#/components/") for r in refs)
    for ref in refs:
        resolve(document, ref)
    assert "$defs" not in json.dumps(document)


def test_request_bodies_use_the_validation_schema_and_responses_the_serialised_one(
    document: dict[str, Any],
) -> None:
    create = document["paths"]["/api/v1/widgets"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Widget"}
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WidgetOut"
    }
    schemas = document["components"]["schemas"]
    # Money is accepted as a number or a string, and always answered as a string.
    assert {s.get("type") for s in schemas["Widget"]["properties"]["price"]["anyOf"]} == {
        "number",
        "string",
    }
    assert schemas["WidgetOut"]["properties"]["price"]["type"] == "string"
    assert schemas["Widget"]["additionalProperties"] is False
    assert set(schemas["Widget"]["required"]) == {"name", "kind", "price"}
    # Every field is written on output, defaulted or not.
    assert set(schemas["WidgetOut"]["required"]) == {
        "name",
        "kind",
        "price",
        "parts",
        "id",
        "created_at",
        "note",
    }


def test_a_partial_request_gets_a_patch_schema_with_nothing_required(
    document: dict[str, Any],
) -> None:
    patch = document["paths"]["/api/v1/widgets/{id}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/WidgetPatch"}
    schema = document["components"]["schemas"]["WidgetPatch"]
    assert "required" not in schema
    assert schema["additionalProperties"] is False
    assert "default" not in schema["properties"]["parts"]
    assert (
        schema["properties"].keys()
        == document["components"]["schemas"]["Widget"]["properties"].keys()
    )


def test_parameters_come_from_the_path_the_headers_and_the_query_model(
    document: dict[str, Any],
) -> None:
    listing = document["paths"]["/api/v1/widgets"]["get"]
    query = {p["name"]: p for p in listing["parameters"]}
    assert set(query) == {"limit", "cursor"}
    assert query["limit"]["in"] == "query" and query["limit"]["required"] is False
    assert query["limit"]["schema"]["maximum"] == 200
    patch = document["paths"]["/api/v1/widgets/{id}"]["patch"]
    assert [(p["name"], p["in"], p["required"]) for p in patch["parameters"]] == [
        ("id", "path", True),
        ("If-Match", "header", False),
    ]
    assert patch["parameters"][0]["schema"] == {"type": "string", "format": "uuid"}


def test_error_answers_are_problems_implied_by_auth_body_query_and_headers(
    document: dict[str, Any],
) -> None:
    paths = document["paths"]
    statuses = {
        (path, method): sorted(op["responses"])
        for path, methods in paths.items()
        for method, op in methods.items()
    }
    assert statuses == {
        # 503 everywhere: any operation may meet an unreachable database.
        ("/api/v1/widgets", "get"): ["200", "400", "401", "422", "503"],
        ("/api/v1/widgets", "post"): ["201", "400", "401", "409", "413", "415", "422", "503"],
        ("/api/v1/widgets/{id}", "patch"): [
            "200",
            "400",
            "401",
            "404",
            "412",
            "413",
            "415",
            "422",
            "503",
        ],
        ("/api/v1/widgets/{id}", "delete"): ["204", "401", "404", "503"],
        ("/api/v1/widgets/catalogue", "get"): ["200", "503"],
    }
    not_found = paths["/api/v1/widgets/{id}"]["patch"]["responses"]["404"]
    assert not_found["description"] == "No such widget."
    assert not_found["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    unauthorised = paths["/api/v1/widgets"]["get"]["responses"]["401"]
    assert "WWW-Authenticate" in unauthorised["headers"]


def test_success_answers_name_their_headers_and_every_answer_its_request_id(
    document: dict[str, Any],
) -> None:
    created = document["paths"]["/api/v1/widgets"]["post"]["responses"]["201"]
    assert created["headers"] == {
        "Location": {"$ref": "#/components/headers/Location"},
        "ETag": {"$ref": "#/components/headers/ETag"},
        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
    }
    deleted = document["paths"]["/api/v1/widgets/{id}"]["delete"]["responses"]["204"]
    assert "content" not in deleted
    page = document["paths"]["/api/v1/widgets/catalogue"]["get"]["responses"]["200"]
    assert page["content"] == {"text/html": {"schema": {"type": "string"}}}


def test_operations_that_need_a_token_name_the_bearer_scheme(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["paths"]["/api/v1/widgets"]["get"]["security"] == [{"bearerAuth": []}]
    assert document["paths"]["/api/v1/widgets/catalogue"]["get"]["security"] == []
    assert document["tags"] == [
        {"name": "widgets", "description": "Things with parts."},
        {"name": "catalogue"},
    ]


def test_real_problem_bodies_match_the_documented_problem_schema(
    document: dict[str, Any],
) -> None:
    validator = schema_validator(document, "#/components/schemas/Problem")
    plain = problem_response(404, "Not found", "No such widget.", slug="not-found", instance="/x")
    with_errors = problem_response(
        422,
        "Validation failed",
        "See errors.",
        slug="validation-failed",
        errors=[{"field": "name", "message": "too short", "type": "string_too_short"}],
    )
    for response in (plain, with_errors):
        assert response.text is not None
        validator.validate(json.loads(response.text))
    assert PROBLEM_SCHEMAS["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
        "request_id",
    ]


def test_serialised_models_validate_against_their_documented_schema(
    document: dict[str, Any],
) -> None:
    widget = WidgetOut(
        name="Cog",
        kind="round",
        price=Decimal("1.50"),
        parts=[Part(label="tooth")],
        id=uuid.uuid4(),
        created_at=datetime(2024, 1, 2, 3, 4, 5),
    )
    page = WidgetPage.model_validate({"items": [widget], "next_cursor": None})
    validator = schema_validator(document, "#/components/schemas/WidgetPage")
    validator.validate(json.loads(page.model_dump_json()))


def test_merging_fragments_unions_paths_schemas_and_tags(document: dict[str, Any]) -> None:
    other = build_document(
        [
            Operation(
                "get",
                "/api/v1/parts",
                "listParts",
                "List parts",
                ("parts",),
                {200: Reply("The part.", Part)},
            )
        ],
        title="Parts",
    )
    base = build_document([], title="All", description="Everything.")
    merged = merge_documents(base, document, other)
    validate(merged)
    assert merged["info"] == {"title": "All", "version": "1", "description": "Everything."}
    assert set(merged["paths"]) == set(document["paths"]) | {"/api/v1/parts"}
    assert [t["name"] for t in merged["tags"]] == ["widgets", "catalogue", "parts"]
    assert "Part" in merged["components"]["schemas"]
    assert base["paths"] == {}  # the inputs are left alone


def test_merging_refuses_two_different_schemas_of_one_name(document: dict[str, Any]) -> None:
    clash = json.loads(json.dumps(document))
    clash["paths"] = {}
    clash["components"]["schemas"]["Part"]["properties"]["label"]["maxLength"] = 3
    with pytest.raises(ValueError, match="'Part' is defined twice"):
        merge_documents(document, clash)


def test_merging_refuses_an_operation_declared_twice(document: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="GET /api/v1/widgets is declared twice"):
        merge_documents(document, document)


def test_merging_refuses_an_operation_id_used_twice(document: dict[str, Any]) -> None:
    twin = build_document(
        [Operation("get", "/api/v1/other", "listWidgets", "Twin", ("x",), {204: Reply("None.")})],
        title="Twin",
    )
    with pytest.raises(ValueError, match="operationId"):
        merge_documents(document, twin)


def test_an_unknown_response_header_is_refused_at_build_time() -> None:
    op = Operation("get", "/x", "x", "X", ("x",), {200: Reply("X.", Part, ("X-Made-Up",))})
    with pytest.raises(ValueError, match="X-Made-Up"):
        build_document([op], title="X")


async def test_the_fragment_handler_serves_the_document_built_once() -> None:
    calls = []

    def operations() -> list[Operation]:
        calls.append(1)
        return widget_operations()

    handler = fragment_handler(operations, title="Widgets")
    request = make_mocked_request("GET", "/internal/openapi.json")
    first, second = await handler(request), await handler(request)
    assert isinstance(first, web.Response) and isinstance(second, web.Response)
    assert first.content_type == "application/json" and first.text == second.text
    body = json.loads(first.text or "")
    assert body["info"]["title"] == "Widgets" and "/api/v1/widgets" in body["paths"]
    assert len(calls) == 1
