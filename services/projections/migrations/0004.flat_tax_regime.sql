-- depends: 0003.erased_users
-- Projections keep the tax they were computed with (issue 16, DESIGN §6.4). From this release a
-- missing or null `tax.regime` means "by the profile's currency" (`us` for USD), no longer engine
-- 1's flat tax; so every projection stored before gets `tax.regime: "flat"` spelled out, with the
-- rest of `tax` at its defaults (`year` null, `state_rate` 0) unless it had them. A regime the
-- user chose (`us` or `flat`) is kept as chosen. A scenario whose overrides set
-- `assumptions.tax.regime` to null explicitly would turn the projection's `flat` back to the new
-- default, so it gets `flat` too; a scenario that leaves the regime out inherits the
-- projection's. Each changed row's version goes up, as any change does: its ETag changes with
-- what GET shows.
--
-- The two backfill tables record, per changed row, `tax` before and after, so the rollback puts
-- back exactly what this migration replaced, and only where the row still holds what it wrote
-- (a user's later change is kept). They go with their row (ON DELETE CASCADE, so erasure takes
-- them too) and are dropped by a later migration once this release is settled
-- (docs/MIGRATIONS.md, "Projections 0004").
--
-- One transaction, one UPDATE per table: projections and scenarios are a few per user (quotas),
-- so even a large installation rewrites some 10^5 small rows; lock_timeout makes it fail fast
-- rather than queue requests behind it.
SET LOCAL lock_timeout = '5s';

CREATE TABLE tax_regime_backfill_projections (
    projection_id uuid  PRIMARY KEY REFERENCES projections (id) ON DELETE CASCADE,
    previous_tax  jsonb CHECK (previous_tax IS NULL OR jsonb_typeof(previous_tax) = 'object'),
    written_tax   jsonb NOT NULL CHECK (jsonb_typeof(written_tax) = 'object')
);
COMMENT ON TABLE tax_regime_backfill_projections IS 'Migration 0004: projections whose assumptions it gave tax.regime flat, for its rollback; dropped by a later migration.';
COMMENT ON COLUMN tax_regime_backfill_projections.projection_id IS 'The projection changed; deleted with it.';
COMMENT ON COLUMN tax_regime_backfill_projections.previous_tax IS 'assumptions.tax before 0004; null = the assumptions had no tax.';
COMMENT ON COLUMN tax_regime_backfill_projections.written_tax IS 'assumptions.tax as 0004 wrote it; the rollback restores only rows that still hold it.';

CREATE TABLE tax_regime_backfill_scenarios (
    scenario_id  uuid  PRIMARY KEY REFERENCES scenarios (id) ON DELETE CASCADE,
    previous_tax jsonb NOT NULL CHECK (jsonb_typeof(previous_tax) = 'object'),
    written_tax  jsonb NOT NULL CHECK (jsonb_typeof(written_tax) = 'object')
);
COMMENT ON TABLE tax_regime_backfill_scenarios IS 'Migration 0004: scenarios whose overrides set assumptions.tax.regime null and got flat, for its rollback; dropped by a later migration.';
COMMENT ON COLUMN tax_regime_backfill_scenarios.scenario_id IS 'The scenario changed; deleted with it.';
COMMENT ON COLUMN tax_regime_backfill_scenarios.previous_tax IS 'overrides.assumptions.tax before 0004.';
COMMENT ON COLUMN tax_regime_backfill_scenarios.written_tax IS 'overrides.assumptions.tax as 0004 wrote it; the rollback restores only rows that still hold it.';

WITH recorded AS (
    INSERT INTO tax_regime_backfill_projections (projection_id, previous_tax, written_tax)
    SELECT id,
           assumptions -> 'tax',
           '{"year": null, "state_rate": 0.0}'::jsonb
               || coalesce(assumptions -> 'tax', '{}'::jsonb)
               || '{"regime": "flat"}'::jsonb
      FROM projections
     WHERE coalesce(assumptions #> '{tax,regime}', 'null'::jsonb) = 'null'::jsonb
    RETURNING projection_id, written_tax
)
UPDATE projections p
   SET assumptions = jsonb_set(p.assumptions, '{tax}', r.written_tax),
       version = p.version + 1
  FROM recorded r
 WHERE p.id = r.projection_id;

WITH recorded AS (
    INSERT INTO tax_regime_backfill_scenarios (scenario_id, previous_tax, written_tax)
    SELECT id,
           overrides #> '{assumptions,tax}',
           (overrides #> '{assumptions,tax}') || '{"regime": "flat"}'::jsonb
      FROM scenarios
     WHERE jsonb_typeof(overrides #> '{assumptions,tax}') = 'object'
       AND overrides #> '{assumptions,tax,regime}' = 'null'::jsonb
    RETURNING scenario_id, written_tax
)
UPDATE scenarios s
   SET overrides = jsonb_set(s.overrides, '{assumptions,tax}', r.written_tax),
       version = s.version + 1
  FROM recorded r
 WHERE s.id = r.scenario_id;
