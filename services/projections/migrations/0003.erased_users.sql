-- depends: 0002.processed_events_purge_idx
-- Tombstones of erased accounts (issue 13): the user.deleted handler writes one in the
-- transaction that erases the user's rows, under an exclusive per-user advisory lock; every
-- write transaction takes the same lock shared and refuses a tombstoned user
-- (nestegg_common.erasure), so a write racing the erasure is either refused or erased.
-- A random UUID and a time are not personal data; rows are kept for good.

CREATE TABLE erased_users (
    user_id   uuid        PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE erased_users IS 'Users erased by a user.deleted event: no write is stored for them any more.';
COMMENT ON COLUMN erased_users.user_id IS 'The erased user''s id (accounts.users.id; a random UUID, no personal data).';
COMMENT ON COLUMN erased_users.erased_at IS 'When the event was applied here.';
