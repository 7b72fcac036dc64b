"""User B tries user A's ids on every id-taking operation of the OpenAPI document: all 404.

The operations come from the served document, so a route added later is swept without a change
here. Ids are tried in the path (every mix of A's and B's ids along it, so a child of A's under a
parent of B's is tried too) and in body fields named like a path parameter (`scenario_id`).
Afterwards every read of A's data answers byte for byte what it did before.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from typing import Any

import httpx
import pytest

from ..e2e.schema_samples import resolve, sample
from .conftest import Cluster, User, sign_up
from .resources import (
    METHODS,
    PLANNABLE_PROFILE,
    PREFIX,
    IdOperation,
    create_one_of_each,
    creation_body,
    id_operations,
)

pytestmark = pytest.mark.e2e

_PARAM = re.compile(r"\{([^}]+)\}")
VOLATILE = ("exported_at",)  # the export says when it was made


def own_reads(document: dict[str, Any]) -> list[str]:
    """Return the user's own GET paths without parameters (profile, lists, aggregates)."""
    return [
        path.removeprefix(PREFIX)
        for path, item in document["paths"].items()
        if "get" in item and item["get"].get("security") and not _PARAM.search(path)
    ]


def snapshot(
    http: httpx.Client, cluster: Cluster, user: User, document: dict[str, Any], ids: dict[str, str]
) -> dict[str, tuple[int, str | None, bytes]]:
    """Read everything of the user's: status, ETag and body bytes per path."""
    paths = own_reads(document) + [
        op.path(ids) for op in id_operations(document) if op.method == "get"
    ]
    taken = {}
    for path in sorted(set(paths)):
        answer = http.get(cluster.api(path), headers=user.auth)
        body = answer.content
        if answer.headers.get("content-type", "").startswith("application/json"):
            parsed = answer.json()
            if isinstance(parsed, dict) and any(k in parsed for k in VOLATILE):
                body = json.dumps({k: v for k, v in parsed.items() if k not in VOLATILE}).encode()
        taken[path] = (answer.status_code, answer.headers.get("etag"), body)
    return taken


def body_for(document: dict[str, Any], op: IdOperation) -> Any:
    """Return a valid body for the operation, so that only ownership can refuse it."""
    if "requestBody" not in op.operation:
        return None
    if op.method == "post" and op.template in creation_body_collections(document):
        return creation_body(document, op.template)
    schema = op.operation["requestBody"]["content"]["application/json"]["schema"]
    if op.template.endswith("/solve"):
        return {"target": "retirement_age", "success_rate": 0.5}
    return sample(document, schema)


def creation_body_collections(document: dict[str, Any]) -> set[str]:
    return {
        path.removeprefix(PREFIX)
        for path, item in document["paths"].items()
        if "post" in item and "201" in item["post"]["responses"]
    }


def id_fields(document: dict[str, Any], op: IdOperation) -> list[str]:
    """Return the body properties of an operation named like a path parameter."""
    if "requestBody" not in op.operation:
        return []
    schema = resolve(document, op.operation["requestBody"]["content"]["application/json"]["schema"])
    names = {m.group(1) for o in id_operations(document) for m in _PARAM.finditer(o.template)}
    return sorted(set(schema.get("properties", {})) & names)


def collection_of_param(document: dict[str, Any], name: str) -> str:
    for op in id_operations(document):
        for match in _PARAM.finditer(op.template):
            if match.group(1) == name:
                return op.collection_of(match.start())
    raise KeyError(name)


@pytest.fixture(scope="module")
def owners(cluster: Cluster, document: dict[str, Any]) -> dict[str, Any]:
    """A and B, each with one record of every collection, A with a stored run."""
    with httpx.Client(timeout=30.0) as client:
        found: dict[str, Any] = {}
        for name in ("a", "b"):
            user = sign_up(client, cluster.api(""), f"sweep-{name}")
            client.put(cluster.api("/me/profile"), json=PLANNABLE_PROFILE, headers=user.auth)
            ids = create_one_of_each(client, cluster.api(""), user.auth, document)
            found[name] = (user, ids)
        user_a, ids_a = found["a"]
        run = client.post(
            cluster.api(f"/projections/{ids_a['/projections']}/run"), headers=user_a.auth
        )
        assert run.status_code == 200, run.text
    return found


def test_the_sweep_covers_every_id_taking_operation_of_the_document(
    document: dict[str, Any],
) -> None:
    operations = id_operations(document)
    templates = {op.template for op in operations}
    # What the document has today; the sweep itself is driven by whatever it lists.
    assert {"/assets/{id}", "/projections/{projection_id}/scenarios/{scenario_id}"} <= templates
    assert len(operations) >= 20


def test_another_users_ids_are_not_found_with_any_method_and_change_nothing(
    cluster: Cluster, http: httpx.Client, document: dict[str, Any], owners: dict[str, Any]
) -> None:
    user_a, ids_a = owners["a"]
    user_b, ids_b = owners["b"]
    before = snapshot(http, cluster, user_a, document, ids_a)
    assert all(status == 200 for status, _, _ in before.values()), before.keys()
    assert before == snapshot(http, cluster, user_a, document, ids_a), "reads are not stable"

    tried = refused_routes = 0
    templates = sorted({op.template for op in id_operations(document)}, key=lambda t: -t.count("/"))
    documented = {(op.method, op.template): op for op in id_operations(document)}
    for template in templates:
        probe = IdOperation("get", template, {})
        for owners_mix in itertools.product("ab", repeat=len(probe.collections)):
            if set(owners_mix) == {"b"}:
                continue  # B's own ids: that is B's data, not the sweep's business
            ids = {
                c: (ids_a if who == "a" else ids_b)[c]
                for c, who in zip(probe.collections, owners_mix, strict=True)
            }
            # B's ids for any collection not on this path (the body's `scenario_id` below).
            path = probe.path({**ids_b, **ids})
            missing = probe.path({c: str(uuid.uuid4()) for c in probe.collections})
            for method in METHODS:
                op = documented.get((method, template))
                body = body_for(document, op) if op else None
                answer = http.request(
                    method.upper(), cluster.api(path), json=body, headers=user_b.auth
                )
                where = f"{method.upper()} {template} with ids of {owners_mix}: {answer.text[:200]}"
                if op is None:
                    # Not a route: the answer must not depend on whose id it is.
                    unknown = http.request(
                        method.upper(), cluster.api(missing), json=body, headers=user_b.auth
                    )
                    assert answer.status_code == unknown.status_code == 405, where
                    refused_routes += 1
                    continue
                assert answer.status_code == 404, where
                assert answer.headers["content-type"].startswith("application/problem+json")
                tried += 1

    # Ids in bodies: B's own records in the path, one of A's in the body.
    for op in id_operations(document):
        for name in id_fields(document, op):
            body = {
                **(body_for(document, op) or {}),
                name: ids_a[collection_of_param(document, name)],
            }
            answer = http.request(
                op.method.upper(), cluster.api(op.path(ids_b)), json=body, headers=user_b.auth
            )
            assert answer.status_code == 404, f"{op.label} with A's {name}: {answer.text[:200]}"
            tried += 1

    print(f"\ncross-user sweep: {tried} refused, {refused_routes} non-routes, {len(before)} reads")
    assert tried >= len(id_operations(document))
    after = snapshot(http, cluster, user_a, document, ids_a)
    changed = [path for path in before if before[path] != after[path]]
    assert not changed, f"A's data changed: {changed}"
