"""Find the id-taking operations of the OpenAPI document and make one record of each resource."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from ..e2e.schema_samples import sample

PREFIX = "/api/v1"
METHODS = ("get", "put", "post", "patch", "delete")
_PARAM = re.compile(r"\{([^}]+)\}")

# A plan that the engine can project, quickly: a birth date, and at most 200 paths.
PLANNABLE_PROFILE = {"birth_date": "1970-01-01", "retirement_age": 65, "life_expectancy": 90}
QUICK_ASSUMPTIONS = {"mode": "monte_carlo", "paths": 200}

# Known-good bodies for the collections we know; anything new falls back to `sample`.
BODIES: dict[str, dict[str, Any]] = {
    "/assets": {"name": "ISA", "kind": "taxable", "balance": "250000.00"},
    "/debts": {
        "name": "Mortgage",
        "kind": "mortgage",
        "balance": "90000.00",
        "interest_rate": 0.04,
        "monthly_payment": "900.00",
    },
    "/incomes": {"name": "Salary", "kind": "salary", "amount": "4000.00", "frequency": "monthly"},
    "/expenses": {
        "name": "Living",
        "category": "home",
        "amount": "2000.00",
        "frequency": "monthly",
    },
    "/projections": {"name": "Plan", "assumptions": QUICK_ASSUMPTIONS},
    "/projections/{projection_id}/scenarios": {
        "name": "Early",
        "overrides": {"retirement_age": 60, "expense_scale": 0.9},
    },
}


@dataclass(frozen=True)
class IdOperation:
    """An operation whose path names a record: `{method} {template}`."""

    method: str
    template: str  # without the /api/v1 prefix, e.g. /projections/{projection_id}/run
    operation: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.template}"

    def path(self, ids: dict[str, str]) -> str:
        """Fill every `{param}` with the id of the collection it follows."""
        return _PARAM.sub(lambda m: ids[self.collection_of(m.start())], self.template)

    def collection_of(self, position: int) -> str:
        """Return the collection template whose item a `{param}` at `position` names."""
        return self.template[: position - 1]

    @property
    def collections(self) -> list[str]:
        """Return the collections whose ids the path takes, parents first."""
        return [self.collection_of(m.start()) for m in _PARAM.finditer(self.template)]


def id_operations(document: dict[str, Any]) -> list[IdOperation]:
    """Return every operation of the document with a path parameter."""
    return [
        IdOperation(method, path.removeprefix(PREFIX), operation)
        for path, item in document["paths"].items()
        if _PARAM.search(path)
        for method, operation in item.items()
        if method in METHODS
    ]


def creatable_collections(document: dict[str, Any]) -> list[str]:
    """Return the collection templates with a `POST` that answers 201, parents first."""
    found = [
        path.removeprefix(PREFIX)
        for path, item in document["paths"].items()
        if "post" in item
        and "201" in item["post"]["responses"]
        and not path.startswith(f"{PREFIX}/auth/")
    ]
    return sorted(found, key=lambda p: p.count("/"))


def creation_body(document: dict[str, Any], collection: str) -> Any:
    """Return a body that creates a record of the collection."""
    if collection in BODIES:
        return BODIES[collection]
    operation = document["paths"][PREFIX + collection]["post"]
    return sample(document, operation["requestBody"]["content"]["application/json"]["schema"])


def fill(template: str, ids: dict[str, str]) -> str:
    """Fill the `{param}`s of a collection template from the ids made so far."""
    return _PARAM.sub(lambda m: ids[template[: m.start() - 1]], template)


def create_one_of_each(
    client: httpx.Client, api: str, auth: dict[str, str], document: dict[str, Any]
) -> dict[str, str]:
    """Create one record in every collection; return collection template → id."""
    ids: dict[str, str] = {}
    for collection in creatable_collections(document):
        answer = client.post(
            api + fill(collection, ids), json=creation_body(document, collection), headers=auth
        )
        assert answer.status_code == 201, f"POST {collection}: {answer.text}"
        ids[collection] = answer.json()["id"]
    return ids
