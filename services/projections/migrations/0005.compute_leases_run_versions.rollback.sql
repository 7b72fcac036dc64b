ALTER TABLE runs
    DROP COLUMN IF EXISTS inputs_version,
    DROP COLUMN IF EXISTS projection_version,
    DROP COLUMN IF EXISTS scenario_version;
DROP TABLE IF EXISTS compute_leases;
