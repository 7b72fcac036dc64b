-- depends: 0003.refresh_tokens_user_issued_idx
-- Tombstones of erased accounts (issue 13): written in the DELETE /me transaction with the
-- user.deleted outbox event, read by every process that verifies tokens (at start and every
-- few seconds, GET /internal/erased-users?since=) so an erased user's token is refused
-- everywhere. A random UUID and a time are not personal data; rows are kept for good.

CREATE TABLE erased_users (
    user_id   uuid        PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX erased_users_erased_at_idx ON erased_users (erased_at, user_id);
COMMENT ON TABLE erased_users IS 'Accounts erased by DELETE /me, so their tokens are refused everywhere (docs/ARCHITECTURE.md, Erasure).';
COMMENT ON COLUMN erased_users.user_id IS 'The erased user''s id (a random UUID, no personal data).';
COMMENT ON COLUMN erased_users.erased_at IS 'When the erasure committed (transaction time).';
