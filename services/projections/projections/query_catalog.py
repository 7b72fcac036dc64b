"""Every SQL statement the projections routes and background tasks run, for `make db-audit`."""

from __future__ import annotations

from nestegg_common.dbops.catalog import ERASURE, HEALTH, IDEMPOTENCY, QUOTA_LOCK, CatalogQuery
from nestegg_common.events import RECORD_PROCESSED_EVENT
from projections import changes, limits
from projections import repository as repo

_USER = "SELECT user_id FROM projections ORDER BY id LIMIT 1"
_PROJECTION = "SELECT user_id, id FROM projections ORDER BY id LIMIT 1"
_SCENARIO = "SELECT user_id, projection_id, id FROM scenarios ORDER BY id LIMIT 1"
_EXPORT_SORT = "export: the user's rows across all projections, a few dozen, sorted once per export"

CATALOG = (
    # /projections
    CatalogQuery(
        "projections.insert",
        repo._INSERT_PROJECTION,
        "SELECT gen_random_uuid(), user_id, 'Plan', assumptions FROM projections "
        "ORDER BY id LIMIT 1",
    ),
    # POST /projections and POST /projections/{id}/scenarios: quota counts, under QUOTA_LOCK
    CatalogQuery(
        "projections.count", repo._COUNT_PROJECTIONS, f"SELECT user_id, 100 FROM ({_USER}) u"
    ),
    CatalogQuery(
        "scenarios.count",
        repo._COUNT_SCENARIOS,
        "SELECT user_id, id, 50 FROM projections ORDER BY id LIMIT 1",
    ),
    QUOTA_LOCK,
    CatalogQuery("projections.select", repo._SELECT_PROJECTION, _PROJECTION),
    CatalogQuery("projections.lock", repo._LOCK_PROJECTION, _PROJECTION),
    CatalogQuery(
        "projections.first_page", repo._FIRST_PROJECTIONS, f"SELECT user_id, 50 FROM ({_USER}) u"
    ),
    CatalogQuery(
        "projections.next_page",
        repo._NEXT_PROJECTIONS,
        "SELECT user_id, created_at, id, 50 FROM projections ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "projections.update",
        repo._UPDATE_PROJECTION,
        "SELECT user_id, id, name, assumptions FROM projections ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "projections.delete",
        repo._DELETE_PROJECTION,
        "SELECT user_id, id, version FROM projections ORDER BY id LIMIT 1",
    ),
    # /projections/{id}/scenarios
    CatalogQuery(
        "scenarios.insert",
        repo._INSERT_SCENARIO,
        "SELECT gen_random_uuid(), projection_id, user_id, 'What if', overrides FROM scenarios "
        "ORDER BY id LIMIT 1",
    ),
    CatalogQuery("scenarios.select", repo._SELECT_SCENARIO, _SCENARIO),
    CatalogQuery("scenarios.lock", repo._LOCK_SCENARIO, _SCENARIO),
    CatalogQuery(
        "scenarios.first_page",
        repo._FIRST_SCENARIOS,
        "SELECT user_id, id, 50 FROM projections ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "scenarios.next_page",
        repo._NEXT_SCENARIOS,
        "SELECT user_id, projection_id, created_at, id, 50 FROM scenarios ORDER BY id LIMIT 1",
    ),
    # POST /projections/{id}/compare
    CatalogQuery("scenarios.all_of_projection", repo._ALL_SCENARIOS, _PROJECTION),
    CatalogQuery(
        "scenarios.update",
        repo._UPDATE_SCENARIO,
        "SELECT user_id, projection_id, id, name, overrides FROM scenarios ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "scenarios.delete",
        repo._DELETE_SCENARIO,
        "SELECT user_id, projection_id, id, version FROM scenarios ORDER BY id LIMIT 1",
    ),
    # POST /projections/{id}/run, /compare, /solve
    CatalogQuery(
        "runs.find",
        repo._SELECT_RUN,
        "SELECT user_id, projection_id, scenario_id, inputs_hash FROM runs ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "runs.find_json",
        repo._SELECT_RUN_JSON,
        "SELECT user_id, projection_id, scenario_id, inputs_hash FROM runs ORDER BY id LIMIT 1",
    ),
    # ... answered from the stored run of the user's known change counters (changes.py)
    CatalogQuery(
        "runs.find_current_by_changes",
        changes.CURRENT_RUN_JSON,
        "SELECT user_id, projection_id, scenario_id, E'\\n2026-01-01\\ncode' FROM runs "
        "ORDER BY id LIMIT 1",
    ),
    # ... a computing run learns the counters read with its inputs; POST
    # /internal/users/{id}/input-changes records an announced one
    CatalogQuery(
        "input_changes.record",
        changes.RECORD,
        f"SELECT user_id, 1::bigint, 1::bigint FROM ({_USER}) u",
    ),
    CatalogQuery(
        "runs.tag",
        repo._TAG_RUN,
        "SELECT id, 'x', 1, NULL::integer FROM runs ORDER BY id LIMIT 1",
    ),
    # run, compare, solve, optimize when they compute: the per-user limits (limits.py)
    CatalogQuery("compute_leases.forget", limits._FORGET, _USER),
    CatalogQuery("compute_leases.count", limits._COUNT, _USER),
    CatalogQuery(
        "compute_leases.take",
        limits._TAKE,
        f"SELECT gen_random_uuid(), user_id, 40.0 FROM ({_USER}) u",
    ),
    CatalogQuery("compute_leases.release", limits._RELEASE, "SELECT gen_random_uuid()"),
    CatalogQuery(
        "runs.insert",
        repo._INSERT_RUN,
        "SELECT gen_random_uuid(), projection_id, scenario_id, user_id, inputs_hash, "
        "engine_version, dataset_hash, seed, success_rate, result::text, 'x', 1, NULL::integer "
        "FROM runs ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "runs.evict_old",
        repo._EVICT_OLD_RUNS,
        "SELECT user_id, projection_id, 20 FROM runs ORDER BY id LIMIT 1",
        allow_sort="eviction ranks one projection's runs, at most the bound + scenarios + 1",
    ),
    # GET /internal/users/{id}/latest-run (the gateway's dashboard)
    CatalogQuery("runs.latest_of_user", repo._LATEST_RUN, _USER),
    # GET /internal/users/{id}/export
    CatalogQuery("projections.export", repo._EXPORT_PROJECTIONS, _USER),
    CatalogQuery("scenarios.export", repo._EXPORT_SCENARIOS, _USER, allow_sort=_EXPORT_SORT),
    CatalogQuery("runs.export", repo._EXPORT_RUNS, _USER, allow_sort=_EXPORT_SORT),
    # POST /internal/events (user.deleted)
    CatalogQuery(
        "processed_events.record",
        RECORD_PROCESSED_EVENT,
        "SELECT gen_random_uuid(), 'user.deleted'",
    ),
    *(
        CatalogQuery(f"erase_user.{i}", statement, _USER)
        for i, statement in enumerate(repo._ERASE_USER, start=1)
    ),
    CatalogQuery("input_changes.erase", changes.ERASE, _USER),
    *IDEMPOTENCY,
    *ERASURE,
    HEALTH,
)
