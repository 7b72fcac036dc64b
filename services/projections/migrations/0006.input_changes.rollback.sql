-- Undo 0006: the counters go; the release before this one asks accounts and ledger for versions.
DROP TABLE IF EXISTS input_changes;
