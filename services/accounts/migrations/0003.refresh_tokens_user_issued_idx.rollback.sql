CREATE INDEX CONCURRENTLY IF NOT EXISTS refresh_tokens_user_idx ON refresh_tokens (user_id);
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_user_issued_idx;
