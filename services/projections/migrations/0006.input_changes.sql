-- depends: 0005.compute_leases_run_versions
-- Stored results by change counters (issue 19, docs/ARCHITECTURE.md "Stored results by change
-- counters"): the highest counter of each user's profile (accounts) and records (ledger) this
-- service was told of. Accounts and ledger announce a write's counter before committing it, so a
-- stored run is served when the counters it was computed from equal these — read in the same
-- query as the run, without asking either service anything.
CREATE TABLE input_changes (
    user_id uuid PRIMARY KEY,
    profile_changes bigint,
    ledger_changes bigint,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE input_changes IS 'Highest change counter of each user''s profile and ledger records announced to (or learned by) projections; stored runs made from equal counters are current.';
COMMENT ON COLUMN input_changes.user_id IS 'The user (no foreign key: users live in accounts; the row is erased with the user).';
COMMENT ON COLUMN input_changes.profile_changes IS 'Highest profile version announced by accounts or read with a profile; null until known.';
COMMENT ON COLUMN input_changes.ledger_changes IS 'Highest ledger change counter announced by ledger or read with a snapshot; null until known.';
COMMENT ON COLUMN input_changes.updated_at IS 'When a counter last rose (for operators).';

-- A stored result as the JSON text it is served as (issue 19): a cached run sends this column
-- as it is, where `result::text` made PostgreSQL print the whole jsonb (tens of thousands of
-- numbers, most of the database's CPU per cached read). Null for runs stored before: they are
-- served from `result::text` as before.
ALTER TABLE runs ADD COLUMN result_text text;
COMMENT ON COLUMN runs.result_text IS 'The result as JSON text, written with `result` and served as it is by cached runs; null for runs stored before projections 0006.';
