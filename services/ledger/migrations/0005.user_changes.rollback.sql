-- Undo 0005: the counters go; the release before this one reads snapshot versions instead.
DROP TABLE IF EXISTS user_changes;
