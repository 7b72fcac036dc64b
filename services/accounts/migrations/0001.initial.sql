-- Users, profiles, refresh tokens, login throttling and the outbox of the accounts service.

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
    password_hash text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
COMMENT ON TABLE users IS 'People who can sign in; one row per account.';
COMMENT ON COLUMN users.id IS 'Stable user id, referenced by every other service as a plain UUID.';
COMMENT ON COLUMN users.email IS 'Sign-in email as entered; unique case-insensitively (users_email_lower_key).';
COMMENT ON COLUMN users.password_hash IS 'argon2id hash in PHC string format; never the password.';
COMMENT ON COLUMN users.created_at IS 'When the account was registered.';
COMMENT ON COLUMN users.updated_at IS 'When the email or password hash last changed.';

CREATE TABLE profiles (
    user_id         uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    display_name    text        CHECK (display_name IS NULL OR length(display_name) BETWEEN 1 AND 100),
    birth_date      date        CHECK (birth_date IS NULL OR (birth_date >= DATE '1900-01-01' AND birth_date < CURRENT_DATE)),
    retirement_age  smallint    NOT NULL DEFAULT 65 CHECK (retirement_age BETWEEN 30 AND 100),
    life_expectancy smallint    NOT NULL DEFAULT 95 CHECK (life_expectancy BETWEEN 50 AND 120),
    currency        char(3)     NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    version         integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT profiles_life_after_retirement CHECK (life_expectancy > retirement_age)
);
COMMENT ON TABLE profiles IS 'Planning facts about a user (1:1 with users), created with defaults at registration.';
COMMENT ON COLUMN profiles.user_id IS 'The user this profile belongs to.';
COMMENT ON COLUMN profiles.display_name IS 'How the user wants to be addressed; optional.';
COMMENT ON COLUMN profiles.birth_date IS 'Date of birth; projections need it to know the current age. Always in the past.';
COMMENT ON COLUMN profiles.retirement_age IS 'Age in whole years at which the user plans to stop working (30..100).';
COMMENT ON COLUMN profiles.life_expectancy IS 'Age the plan must fund until, exclusive (50..120, above retirement_age).';
COMMENT ON COLUMN profiles.currency IS 'ISO 4217 code of every amount the user records.';
COMMENT ON COLUMN profiles.version IS 'Incremented on each change; the ETag of the profile.';
COMMENT ON COLUMN profiles.updated_at IS 'When the profile last changed.';

CREATE TABLE refresh_tokens (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid        NOT NULL,
    token_hash  bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    replaced_by uuid        REFERENCES refresh_tokens (id) ON DELETE SET NULL,
    CONSTRAINT refresh_tokens_expiry_after_issue CHECK (expires_at > issued_at)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id) WHERE revoked_at IS NULL;
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
COMMENT ON TABLE refresh_tokens IS 'Issued refresh tokens; rotated on every use, a reused one revokes its family.';
COMMENT ON COLUMN refresh_tokens.id IS 'Token row id.';
COMMENT ON COLUMN refresh_tokens.user_id IS 'Whose token it is.';
COMMENT ON COLUMN refresh_tokens.family_id IS 'All tokens descended from one login share it; revoked together on reuse or logout.';
COMMENT ON COLUMN refresh_tokens.token_hash IS 'SHA-256 of the opaque token; the token itself is never stored.';
COMMENT ON COLUMN refresh_tokens.issued_at IS 'When the token was issued.';
COMMENT ON COLUMN refresh_tokens.expires_at IS 'After this the token is refused.';
COMMENT ON COLUMN refresh_tokens.revoked_at IS 'When it was rotated, logged out or revoked; null while usable.';
COMMENT ON COLUMN refresh_tokens.replaced_by IS 'The token that replaced this one at rotation.';

CREATE TABLE login_failures (
    scope             text        NOT NULL CHECK (scope IN ('account', 'address')),
    subject_hash      bytea       NOT NULL CHECK (length(subject_hash) = 32),
    attempts          integer     NOT NULL CHECK (attempts >= 0),
    window_started_at timestamptz NOT NULL,
    PRIMARY KEY (scope, subject_hash)
);
CREATE INDEX login_failures_window_idx ON login_failures (window_started_at);
COMMENT ON TABLE login_failures IS 'Login attempts per account and per client address within the current throttling window.';
COMMENT ON COLUMN login_failures.scope IS 'account (per email) or address (per client IP).';
COMMENT ON COLUMN login_failures.subject_hash IS 'SHA-256 of the lower-cased email or of the client address; no raw personal data.';
COMMENT ON COLUMN login_failures.attempts IS 'Unsuccessful attempts counted in the current window.';
COMMENT ON COLUMN login_failures.window_started_at IS 'Start of the current window; the count restarts once it is older than the window length.';

CREATE TABLE outbox (
    id          uuid        PRIMARY KEY,
    event_type  text        NOT NULL CHECK (event_type ~ '^[a-z]+\.[a-z_]+$'),
    payload     jsonb       NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE outbox IS 'Events written in the same transaction as the change they describe, delivered at least once.';
COMMENT ON COLUMN outbox.id IS 'Event id; consumers record it to apply each event once.';
COMMENT ON COLUMN outbox.event_type IS 'What happened, e.g. user.deleted.';
COMMENT ON COLUMN outbox.payload IS 'The event body (ids only, no personal data).';
COMMENT ON COLUMN outbox.occurred_at IS 'When the change was committed.';

CREATE TABLE outbox_deliveries (
    event_id        uuid        NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    subscriber      text        NOT NULL CHECK (subscriber ~ '^[a-z_]+$'),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text,
    PRIMARY KEY (event_id, subscriber)
);
CREATE INDEX outbox_deliveries_due_idx ON outbox_deliveries (next_attempt_at) WHERE delivered_at IS NULL;
COMMENT ON TABLE outbox_deliveries IS 'Delivery state of each outbox event to each subscribing service.';
COMMENT ON COLUMN outbox_deliveries.event_id IS 'The event being delivered.';
COMMENT ON COLUMN outbox_deliveries.subscriber IS 'The service it goes to (ledger, projections).';
COMMENT ON COLUMN outbox_deliveries.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN outbox_deliveries.next_attempt_at IS 'Earliest time of the next attempt (exponential back-off).';
COMMENT ON COLUMN outbox_deliveries.delivered_at IS 'When the subscriber acknowledged; null while pending.';
COMMENT ON COLUMN outbox_deliveries.last_error IS 'Why the last attempt failed (status or error class, no payload).';
