"""The public operations of the ledger service, as the gateway serves them (OpenAPI)."""

from __future__ import annotations

from typing import Any

from ledger.collections import COLLECTIONS, Collection
from ledger.models import Summary
from nestegg_common.openapi import Operation, Reply, fragment_handler, page_model
from nestegg_common.pagination import PageQuery

PREFIX = "/api/v1"
TAGS = {
    "ledger": "What the user owns, owes, earns and spends: four collections with one shape "
    "of API, and their totals.",
}
_ID = {"id": "The record's id (from its `Location` or a list page)."}
_MISSING = "No such record for this user (also said of another user's record)."
_RULES = (
    "A field is invalid or breaks a rule between fields (`errors` names each one): e.g. a "
    "joint tax_deferred account, a cost_basis on cash, a Social Security start_age outside "
    "62–70, or `owner` `partner` while the profile has no partner."
)
_PARTNER_UNKNOWN = (
    "The database is unreachable, or the record would belong to the partner and the accounts "
    "service could not be asked whether the profile has one; retry after `Retry-After`."
)
# A PATCH sends only what changes.
_PATCH_EXAMPLES: dict[str, dict[str, Any]] = {
    "assets": {"balance": "190500.00"},
    "debts": {"balance": "205000.00", "interest_rate": 0.0425},
    "incomes": {"amount": "6800.00", "owner": "partner"},
    "expenses": {"amount": "700.00", "essential": False, "owner": "joint"},
}


def collection_operations(c: Collection) -> list[Operation]:
    """List the five operations of one collection."""
    noun, plural = c.noun, c.name
    title = noun.capitalize()
    path, item = f"{PREFIX}/{plural}", f"{PREFIX}/{plural}/{{id}}"
    tags = ("ledger",)
    return [
        Operation(
            "get",
            path,
            f"list{title}s",
            f"List the user's {plural}, newest first",
            tags,
            {200: Reply("One page.", page_model(c.out_model, f"{title}Page"))},
            description="Keyset pagination: pass the page's `next_cursor` as `cursor`.",
            query=PageQuery,
            errors={400: "The cursor was not made by us or was altered."},
        ),
        Operation(
            "post",
            path,
            f"create{title}",
            f"Create {'an' if noun[0] in 'aeiou' else 'a'} {noun}",
            tags,
            {
                201: Reply(
                    f"The {noun} as stored (or the stored answer of an earlier request with the "
                    "same Idempotency-Key).",
                    c.out_model,
                    ("Location", "ETag", "Idempotent-Replayed"),
                )
            },
            request=c.model,
            request_headers=("Idempotency-Key",),
            errors={
                409: "A request with this Idempotency-Key is still in progress (retry shortly); "
                f"or the user already has the most {plural} allowed (`quota-exceeded`: delete "
                "one to add another).",
                422: _RULES,
                503: _PARTNER_UNKNOWN,
            },
        ),
        Operation(
            "get",
            item,
            f"get{title}",
            f"Show one {noun}",
            tags,
            {200: Reply(f"The {noun}.", c.out_model, ("ETag",))},
            path_params=_ID,
            errors={404: _MISSING},
        ),
        Operation(
            "patch",
            item,
            f"update{title}",
            f"Change some fields of {'an' if noun[0] in 'aeiou' else 'a'} {noun}",
            tags,
            {200: Reply(f"The {noun} as stored.", c.out_model, ("ETag",))},
            request=c.model,
            partial_request=True,
            example=_PATCH_EXAMPLES[plural],
            path_params=_ID,
            request_headers=("If-Match",),
            errors={
                404: _MISSING,
                422: _RULES + " The record as it would be after the change is checked whole.",
                503: _PARTNER_UNKNOWN,
            },
        ),
        Operation(
            "delete",
            item,
            f"delete{title}",
            f"Delete {'an' if noun[0] in 'aeiou' else 'a'} {noun}",
            tags,
            {204: Reply("Deleted.")},
            path_params=_ID,
            request_headers=("If-Match",),
            errors={404: _MISSING},
        ),
    ]


def operations() -> list[Operation]:
    """List the public operations of the ledger."""
    summary = Operation(
        "get",
        f"{PREFIX}/ledger/summary",
        "getLedgerSummary",
        "Show the user's totals",
        ("ledger",),
        {200: Reply("Totals as decimal strings; income and expenses per year.", Summary)},
    )
    return [op for c in COLLECTIONS for op in collection_operations(c)] + [summary]


get_openapi_fragment = fragment_handler(operations, title="Nestegg ledger", tags=TAGS)
