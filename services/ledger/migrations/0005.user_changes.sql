-- depends: 0004.household_records
-- Per-user change counter of the ledger (issue 19, docs/ARCHITECTURE.md "Stored results by
-- change counters"): raised in the same transaction as every insert, update or delete of one of
-- the user's records, and announced to projections before that transaction commits, so a
-- stored projection result is served without fetching the snapshot or its version.
CREATE TABLE user_changes (
    user_id uuid PRIMARY KEY,
    counter bigint NOT NULL CHECK (counter > 0)
);
COMMENT ON TABLE user_changes IS 'How many times each user''s records changed: the ledger half of a stored projection result''s version.';
COMMENT ON COLUMN user_changes.user_id IS 'The user (no foreign key: users live in accounts; the row is erased with the user).';
COMMENT ON COLUMN user_changes.counter IS 'Raised by one in the transaction of every write of the user''s records; a snapshot shows the value it was read with.';

-- Users with records before this migration start at 1, so a counter a projections replica
-- learned (none before this release) can never equal one from before their records existed.
INSERT INTO user_changes (user_id, counter)
SELECT user_id, 1 FROM (
    SELECT user_id FROM assets
    UNION SELECT user_id FROM debts
    UNION SELECT user_id FROM incomes
    UNION SELECT user_id FROM expenses
) AS holders;
