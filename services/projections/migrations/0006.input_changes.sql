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
