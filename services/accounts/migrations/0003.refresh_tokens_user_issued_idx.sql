-- transactional: false
-- depends: 0002.outbox_purge_idx
-- The sessions list (accounts.repository._SELECT_SESSIONS) reads a user's tokens ordered by
-- issued_at: index (user_id, issued_at) returns them in order instead of sorting (found by
-- `make db-audit`). It also serves the cascade on user deletion, which is all the old
-- (user_id) index did, so that one goes. Build the new index before dropping the old one.

CREATE INDEX CONCURRENTLY IF NOT EXISTS refresh_tokens_user_issued_idx
    ON refresh_tokens (user_id, issued_at);
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_user_idx;
