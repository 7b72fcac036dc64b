"""What docs/DATABASE.md says of the projections database beyond its catalogs (`make docs-db`)."""

from __future__ import annotations

from nestegg_common.dbops.schemamodel import Example, SchemaNotes

NOTES = SchemaNotes(
    summary="""\
Projections, their what-if scenarios and the stored results of runs. `runs` is unique on
`(projection_id, scenario_id, inputs_hash)` with `NULLS NOT DISTINCT` (PostgreSQL 15+), so the
baseline (null scenario) also has one row per inputs hash and two concurrent runs of the same
inputs store one result.
""",
    index_notes={
        "scenarios_projection_fk_idx": "the `ON DELETE CASCADE` from `projections`",
        "runs_scenario_fk_idx": "the `ON DELETE CASCADE` from `scenarios`",
        "tax_regime_backfill_projections_pkey": (
            "the `ON DELETE CASCADE` from `projections`; the rollback of 0004"
        ),
        "tax_regime_backfill_scenarios_pkey": (
            "the `ON DELETE CASCADE` from `scenarios`; the rollback of 0004"
        ),
        "runs_one_per_inputs": (
            "one stored run per inputs hash, baseline included (`NULLS NOT DISTINCT`)"
        ),
    },
    examples=(
        Example(
            "The latest stored run of each of a user's projections",
            """\
SELECT DISTINCT ON (r.projection_id)
       p.name, r.scenario_id, r.success_rate, r.engine_version, r.created_at
FROM runs r JOIN projections p ON p.id = r.projection_id
WHERE r.user_id = :'user_id'
ORDER BY r.projection_id, r.created_at DESC;""",
        ),
        Example(
            "A user's scenarios with how many results are stored for each",
            """\
SELECT p.name AS projection, s.name AS scenario, count(r.id) AS stored_runs
FROM scenarios s
JOIN projections p ON p.id = s.projection_id
LEFT JOIN runs r ON r.scenario_id = s.id
WHERE s.user_id = :'user_id'
GROUP BY p.name, s.name, s.created_at
ORDER BY p.name, s.created_at;""",
        ),
    ),
)
