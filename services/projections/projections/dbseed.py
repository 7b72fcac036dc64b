"""Seed data for the projections database (`make db-audit`, `make docs-db`, `make bench-db`).

Projections, their scenarios, one stored run each, idempotency keys and consumed events.
"""

from __future__ import annotations

from nestegg_common.dbops import seed
from nestegg_common.dbops.seed import AGE, USER_ID, USERS

PER_USER = seed.setting("projections")
PER_PROJECTION = seed.setting("scenarios")

STATEMENTS = (
    f"""INSERT INTO projections (id, user_id, name, assumptions, created_at, updated_at)
    SELECT md5('projection-' || u || '-' || n)::uuid, {USER_ID}, 'Plan ' || n,
           jsonb_build_object('mode', 'monte_carlo', 'paths', 1000, 'inflation', 0.025),
           now() - {AGE}, now() - {AGE}
    FROM generate_series(1, {USERS}) AS u, generate_series(1, {PER_USER}) AS n""",
    f"""INSERT INTO scenarios (id, projection_id, user_id, name, overrides, created_at,
                              updated_at)
    SELECT md5('scenario-' || p.id || '-' || s)::uuid, p.id, p.user_id, 'What if ' || s,
           jsonb_build_object('retirement_age', 60 + s), p.created_at + make_interval(days => s),
           p.created_at + make_interval(days => s)
    FROM projections p, generate_series(1, {PER_PROJECTION}) AS s""",
    """INSERT INTO runs (id, projection_id, scenario_id, user_id, inputs_hash, engine_version,
                         dataset_hash, seed, success_rate, result, created_at)
    SELECT gen_random_uuid(), t.projection_id, t.scenario_id, t.user_id,
           encode(sha256(convert_to(t.projection_id::text || coalesce(t.scenario_id::text, ''),
                                    'UTF8')), 'hex'),
           '1.0.0', NULL, 42, 0.85,
           jsonb_build_object('success_rate', 0.85, 'years', jsonb_build_array()),
           t.created_at + interval '1 minute'
    FROM (SELECT id AS projection_id, NULL::uuid AS scenario_id, user_id, created_at
          FROM projections
          UNION ALL
          SELECT projection_id, id, user_id, created_at FROM scenarios) AS t""",
)


def seed_database(dsn: str, scale: seed.Scale) -> None:
    """Seed projections, scenarios, runs, idempotency keys and events; then ANALYZE."""
    sizes = {
        "users": scale.users,
        "projections": scale.projections_per_user,
        "scenarios": scale.scenarios_per_projection,
    }
    seed.run(dsn, [*STATEMENTS, seed.IDEMPOTENCY_KEYS, seed.PROCESSED_EVENTS], sizes)
    seed.analyze(dsn)
