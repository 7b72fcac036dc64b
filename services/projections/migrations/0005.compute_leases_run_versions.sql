-- depends: 0004.flat_tax_regime
-- Per-user computation limits shared by every replica (issue 19, "Scale beyond one machine"):
-- one row per computation started, so "in flight" and "started this minute" are counted in the
-- database all replicas use, not in each process. Counted and inserted under a transaction-scoped
-- advisory lock on the user (nestegg_common.quotas.lock_quota), by the database's clock.
CREATE TABLE compute_leases (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at timestamptz NOT NULL,
    released_at timestamptz
);
CREATE INDEX compute_leases_user_started_idx ON compute_leases (user_id, started_at);
COMMENT ON TABLE compute_leases IS 'Computations started per user, across replicas: the per-user in-flight and per-minute limits count these rows.';
COMMENT ON COLUMN compute_leases.id IS 'Lease id, released by the replica that took it.';
COMMENT ON COLUMN compute_leases.user_id IS 'The user computing (no foreign key: a user''s rows are erased with the user).';
COMMENT ON COLUMN compute_leases.started_at IS 'When the computation was admitted (database clock); counts for the per-minute limit for 60 s.';
COMMENT ON COLUMN compute_leases.expires_at IS 'In flight at most until then (the compute budget plus a margin), so a replica that died holding it frees the slot.';
COMMENT ON COLUMN compute_leases.released_at IS 'When the computation ended; null while it runs.';

-- Stored results read without fetching their inputs (issue 19): what a run was computed from,
-- by version. A cached run asks accounts and ledger only for the versions of the profile and
-- the ledger snapshot, and serves the run whose versions (and the projection's and scenario's,
-- compared in the query) are all current; null for runs stored before, which are found by
-- inputs hash as before and then tagged.
ALTER TABLE runs
    ADD COLUMN inputs_version text,
    ADD COLUMN projection_version integer,
    ADD COLUMN scenario_version integer;
COMMENT ON COLUMN runs.inputs_version IS 'Digest of the profile version, ledger snapshot version, day and code the run''s inputs came from; null if unknown.';
COMMENT ON COLUMN runs.projection_version IS 'The projection''s version when its assumptions were read for this run.';
COMMENT ON COLUMN runs.scenario_version IS 'The scenario''s version when its overrides were read for this run; null for the baseline.';
