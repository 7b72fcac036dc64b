"""The public operations of the projections service, as the gateway serves them (OpenAPI)."""

from __future__ import annotations

from nestegg_common.openapi import Operation, Reply, fragment_handler, page_model
from nestegg_common.pagination import PageQuery
from projections.decision_models import OptimizeAnswer, SolveAnswer
from projections.models import (
    Comparison,
    OptimizeRequest,
    ProjectionIn,
    ProjectionOut,
    RunRequest,
    ScenarioIn,
    ScenarioOut,
    SolveRequest,
)
from projections.result_models import RunResult

PREFIX = "/api/v1"
TAGS = {
    "projections": "Retirement projections: assumptions, what-if scenarios, and the engine's "
    "runs, comparisons and solves over the user's profile and ledger.",
}
PROJECTIONS = f"{PREFIX}/projections"
PROJECTION = f"{PROJECTIONS}/{{projection_id}}"
SCENARIOS = f"{PROJECTION}/scenarios"
SCENARIO = f"{SCENARIOS}/{{scenario_id}}"

_PROJECTION_ID = {"projection_id": "The projection's id (from its `Location` or a list page)."}
_SCENARIO_IDS = _PROJECTION_ID | {"scenario_id": "The scenario's id."}
_NO_PROJECTION = "No such projection for this user (also said of another user's)."
_NO_SCENARIO = "No such projection, or no such scenario of it, for this user."
_TAGS = ("projections",)
_CURSOR = {400: "The cursor was not made by us or was altered."}
_SAVED = ("Location", "ETag", "Idempotent-Replayed")
_STALE = "`If-Match` does not name the current version; fetch it and retry."
_BUSY_OR_FULL = (
    "A request with this Idempotency-Key is still in progress (retry shortly); or {what} "
    "allowed (`quota-exceeded`: delete one to add another)."
)

# Run, compare and solve fetch the profile and ledger, then compute within per-user limits.
_COMPUTE_ERRORS = {
    422: "A field is invalid; or the profile has no `birth_date` (`errors` names "
    "`profile.birth_date`: set it with `PATCH /api/v1/me/profile`); or a ledger record owned "
    "by the partner, or a scenario's partner override, while the profile has no partner "
    "(`errors` names each, e.g. `ledger.incomes[<id>].owner`, `overrides.claiming_ages.partner`: "
    "add the partner or change the record's owner); or a ledger record the engine refuses "
    "(`ledger.<collection>[<id>]`); or "
    "`assumptions.historical` lies outside the historical data's complete years (the message "
    "says which are available); or the plan cannot be "
    "projected; or a Monte Carlo plan has more paths × years than one computation may hold "
    "(`assumptions.paths`).",
    429: "Too many projection computations at once or this minute (per user); `Retry-After` "
    "says when to come back.",
    502: "The accounts or ledger service, which the plan is read from, is unavailable.",
    503: "The request needed more than its compute budget (it was stopped; try fewer `paths` "
    "or scenarios), or the engine is busy with as many computations as it admits; "
    "`Retry-After` says when to come back.",
    504: "The accounts or ledger service did not answer in time.",
}
_CACHING = (
    "The plan is built from the user's profile and ledger as they are now, the projection's "
    "assumptions and the scenario's overrides. Results are stored under their `inputs_hash`: "
    "running unchanged inputs again answers the stored run (`cached: true`) without "
    "recomputing. When the assumptions leave `seed` null, a seed derived from the projection's "
    "id is used, the same for all its scenarios."
)


def projection_operations() -> list[Operation]:
    """List the five operations on projections."""
    return [
        Operation(
            "get",
            PROJECTIONS,
            "listProjections",
            "List the user's projections, newest first",
            _TAGS,
            {200: Reply("One page.", page_model(ProjectionOut, "ProjectionPage"))},
            description="Keyset pagination: pass the page's `next_cursor` as `cursor`.",
            query=PageQuery,
            errors=_CURSOR,
        ),
        Operation(
            "post",
            PROJECTIONS,
            "createProjection",
            "Create a projection",
            _TAGS,
            {
                201: Reply(
                    "The projection as stored, every assumption spelled out (or the stored "
                    "answer of an earlier request with the same Idempotency-Key).",
                    ProjectionOut,
                    _SAVED,
                )
            },
            description="Omitted assumptions take their documented defaults. `tax.regime` "
            "null (the default) is chosen by the profile's `currency` each time the plan runs: "
            "`us` for USD, `flat` otherwise (docs/API.md, Taxes). "
            "`historical.first_year`/`last_year` outside the historical data's complete years "
            "are refused (422 naming the field and the years available).",
            request=ProjectionIn,
            request_headers=("Idempotency-Key",),
            errors={409: _BUSY_OR_FULL.format(what="the user already has the most projections")},
        ),
        Operation(
            "get",
            PROJECTION,
            "getProjection",
            "Show one projection",
            _TAGS,
            {200: Reply("The projection.", ProjectionOut, ("ETag",))},
            path_params=_PROJECTION_ID,
            errors={404: _NO_PROJECTION},
        ),
        Operation(
            "patch",
            PROJECTION,
            "updateProjection",
            "Rename a projection or change some of its assumptions",
            _TAGS,
            {200: Reply("The projection as stored.", ProjectionOut, ("ETag",))},
            description="The assumptions sent are merged into the stored ones (`tax`, "
            "`guardrails` and `historical` merge field by field; a `roth_conversion` window is "
            "replaced whole); the result must be valid.",
            request=ProjectionIn,
            partial_request=True,
            example={
                "assumptions": {
                    "paths": 2000,
                    "guardrails": {"upper": 0.25},
                    "tax": {"state_rate": 0.045},
                }
            },
            path_params=_PROJECTION_ID,
            request_headers=("If-Match",),
            errors={404: _NO_PROJECTION, 412: _STALE},
        ),
        Operation(
            "delete",
            PROJECTION,
            "deleteProjection",
            "Delete a projection with its scenarios and runs",
            _TAGS,
            {204: Reply("Deleted.")},
            path_params=_PROJECTION_ID,
            request_headers=("If-Match",),
            errors={404: _NO_PROJECTION, 412: _STALE},
        ),
    ]


def scenario_operations() -> list[Operation]:
    """List the five operations on a projection's scenarios."""
    return [
        Operation(
            "get",
            SCENARIOS,
            "listScenarios",
            "List a projection's scenarios, newest first",
            _TAGS,
            {200: Reply("One page.", page_model(ScenarioOut, "ScenarioPage"))},
            description="Keyset pagination: pass the page's `next_cursor` as `cursor`.",
            query=PageQuery,
            path_params=_PROJECTION_ID,
            errors={**_CURSOR, 404: _NO_PROJECTION},
        ),
        Operation(
            "post",
            SCENARIOS,
            "createScenario",
            "Create a scenario of a projection",
            _TAGS,
            {
                201: Reply(
                    "The scenario as stored (or the stored answer of an earlier request with "
                    "the same Idempotency-Key).",
                    ScenarioOut,
                    _SAVED,
                )
            },
            description="`overrides.assumptions` are checked against the projection's now; "
            "the partner's overrides (`partner_retirement_age`, `partner_life_expectancy`, "
            "`claiming_ages.partner`) against the profile when the scenario runs.",
            request=ScenarioIn,
            path_params=_PROJECTION_ID,
            request_headers=("Idempotency-Key",),
            errors={
                404: _NO_PROJECTION,
                409: _BUSY_OR_FULL.format(what="the projection already has the most scenarios"),
            },
        ),
        Operation(
            "get",
            SCENARIO,
            "getScenario",
            "Show one scenario",
            _TAGS,
            {200: Reply("The scenario.", ScenarioOut, ("ETag",))},
            path_params=_SCENARIO_IDS,
            errors={404: _NO_SCENARIO},
        ),
        Operation(
            "patch",
            SCENARIO,
            "updateScenario",
            "Rename a scenario or replace its overrides",
            _TAGS,
            {200: Reply("The scenario as stored.", ScenarioOut, ("ETag",))},
            description="`overrides`, when sent, replaces the stored overrides as a whole.",
            request=ScenarioIn,
            partial_request=True,
            example={"name": "Retire at 60"},
            path_params=_SCENARIO_IDS,
            request_headers=("If-Match",),
            errors={404: _NO_SCENARIO, 412: _STALE},
        ),
        Operation(
            "delete",
            SCENARIO,
            "deleteScenario",
            "Delete a scenario with its runs",
            _TAGS,
            {204: Reply("Deleted.")},
            path_params=_SCENARIO_IDS,
            request_headers=("If-Match",),
            errors={404: _NO_SCENARIO, 412: _STALE},
        ),
    ]


def compute_operations() -> list[Operation]:
    """List run, compare, solve and optimize."""
    return [
        Operation(
            "post",
            f"{PROJECTION}/run",
            "runProjection",
            "Run the baseline, or the baseline with a scenario applied",
            _TAGS,
            {200: Reply("The result, stored or computed now.", RunResult)},
            description=f"Send `{{}}` (or no body) for the baseline. {_CACHING}",
            request=RunRequest,
            path_params=_PROJECTION_ID,
            errors={
                **_COMPUTE_ERRORS,
                404: "No such projection or scenario for this user, or the account is gone.",
            },
        ),
        Operation(
            "post",
            f"{PROJECTION}/compare",
            "compareScenarios",
            "Put the baseline and every scenario side by side, by their compared figures",
            _TAGS,
            {200: Reply("The baseline first, then each scenario.", Comparison)},
            description="No body. A compare answers only the figures it compares (success rate, "
            "medians at retirement and at the end, median depletion age, the yearly medians), "
            "each exactly what the plan's whole result says. A plan with a stored run of its "
            "current inputs is read from it (`run_id` names it). The others are one computation "
            "whatever their number (one of the user's per-minute computations, one compute "
            "budget, cancelled as a whole), evaluated in one engine call on return paths drawn "
            "once per `returns_group` (a scenario that changes mode, paths, seed, return or "
            "inflation assumptions, longevity, or the plan's length gets paths of its own); "
            "their figures are not stored (`run_id` null): run the scenario to compute and "
            f"store its whole result. {_CACHING}",
            path_params=_PROJECTION_ID,
            errors={
                **_COMPUTE_ERRORS,
                404: "No such projection for this user, or the account is gone.",
            },
        ),
        Operation(
            "post",
            f"{PROJECTION}/solve",
            "solveProjection",
            "Find the earliest retirement age or highest spending reaching a success rate",
            _TAGS,
            {200: Reply("The value found (null when none reaches the rate).", SolveAnswer)},
            description="Searches over the same return paths as a run of the same plan; "
            "`annual_spending` is searched in steps of 100 and is refused (422) for the "
            "`fixed_percentage` strategy, which never runs out.",
            request=SolveRequest,
            path_params=_PROJECTION_ID,
            errors={
                **_COMPUTE_ERRORS,
                404: "No such projection or scenario for this user, or the account is gone.",
            },
        ),
        Operation(
            "post",
            f"{PROJECTION}/optimize",
            "optimizeDecision",
            "Rank every candidate of a decision (claiming ages, Roth conversions)",
            _TAGS,
            {200: Reply("Every candidate ranked, the best and its margin.", OptimizeAnswer)},
            description="Every candidate is evaluated on the same return paths and lifespans "
            "(those of a run of the same plan), in one computation: one of the user's "
            "per-minute computations and one compute budget. Not stored. A candidate replaces "
            "the decision's inputs of the plan (the claiming age of each `social_security` "
            "income; `assumptions.roth_conversion`).",
            request=OptimizeRequest,
            path_params=_PROJECTION_ID,
            errors={
                **_COMPUTE_ERRORS,
                404: "No such projection or scenario for this user, or the account is gone.",
                422: str(_COMPUTE_ERRORS[422])
                + " Or the plan has nothing to decide (`errors` names `decision`: no "
                "`social_security` income still to claim at 70 or younger; for Roth "
                "conversions, no tax_deferred account or a `flat` tax regime).",
            },
        ),
    ]


def operations() -> list[Operation]:
    """List the public operations of projections."""
    return projection_operations() + scenario_operations() + compute_operations()


get_openapi_fragment = fragment_handler(operations, title="Nestegg projections", tags=TAGS)
