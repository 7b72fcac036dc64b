-- Undo 0004: put back each projection's and scenario's `tax` as it was before, where the row
-- still holds what 0004 wrote (a change the user made since is kept), then drop the backfill
-- tables. A projection that had no `tax` loses the key again. Versions go up once more: what GET
-- shows changes back.
SET LOCAL lock_timeout = '5s';

UPDATE scenarios s
   SET overrides = jsonb_set(s.overrides, '{assumptions,tax}', b.previous_tax),
       version = s.version + 1
  FROM tax_regime_backfill_scenarios b
 WHERE s.id = b.scenario_id
   AND s.overrides #> '{assumptions,tax}' = b.written_tax;

UPDATE projections p
   SET assumptions = CASE
           WHEN b.previous_tax IS NULL THEN p.assumptions - 'tax'
           ELSE jsonb_set(p.assumptions, '{tax}', b.previous_tax)
       END,
       version = p.version + 1
  FROM tax_regime_backfill_projections b
 WHERE p.id = b.projection_id
   AND p.assumptions -> 'tax' = b.written_tax;

DROP TABLE tax_regime_backfill_scenarios;
DROP TABLE tax_regime_backfill_projections;
