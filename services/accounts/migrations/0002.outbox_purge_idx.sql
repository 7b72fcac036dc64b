-- transactional: false
-- depends: 0001.initial
-- The outbox purge (accounts.outbox_repository._PURGE_DELIVERED_EVENTS) looks for events older
-- than the retention; without this index it reads the whole outbox every time (found by
-- `make db-audit`). CONCURRENTLY keeps DELETE /me writing events while it builds.

CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_occurred_idx ON outbox (occurred_at);
