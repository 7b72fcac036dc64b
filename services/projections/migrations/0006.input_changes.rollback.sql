-- Undo 0006: the counters go; the release before this one asks accounts and ledger for versions.
ALTER TABLE runs DROP COLUMN IF EXISTS result_text;
DROP TABLE IF EXISTS input_changes;
