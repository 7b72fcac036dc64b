-- transactional: false
-- depends: 0001.ledger
-- Index the age of processed events so the hourly purge (nestegg_common.idempotency) finds old
-- rows without reading the whole table. CONCURRENTLY does not block inserts while it builds, and
-- cannot run inside a transaction: hence `transactional: false`. IF NOT EXISTS makes a retry
-- after an interrupted run harmless (but see docs/MIGRATIONS.md about INVALID indexes).

CREATE INDEX CONCURRENTLY IF NOT EXISTS processed_events_processed_at_idx
    ON processed_events (processed_at);
