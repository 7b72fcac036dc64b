"""Seed data for the accounts database (`make db-audit`, `make docs-db`, `make bench-db`).

Users, profiles, refresh tokens, login failures and the outbox, at the size of a `Scale`, with
nestegg_common.dbops.seed's user ids so the same users appear in every service's database.
"""

from __future__ import annotations

from nestegg_common.dbops import seed
from nestegg_common.dbops.seed import AGE, USER_ID, USERS

# The outbox is purged after 7 days: its rows spread over that plus one purge interval.
OUTBOX_AGE = seed.age(7 * 86400 + 3600)

STATEMENTS = (
    f"""INSERT INTO users (id, email, email_key, password_hash, created_at, updated_at)
    SELECT {USER_ID}, 'user' || u || '@example.com', 'user' || u || '@example.com',
           '$argon2id$v=19$m=65536,t=3,p=4$' || md5('salt' || u) || '$' || md5('hash' || u),
           now() - {AGE}, now() - {AGE}
    FROM generate_series(1, {USERS}) AS u, (VALUES (1)) AS v (n)""",
    # Every third household is a married couple (migration 0006); the rest are single.
    f"""INSERT INTO profiles (user_id, display_name, birth_date, sex, retirement_age,
                              life_expectancy, filing_status, partner_name, partner_birth_date,
                              partner_sex, partner_retirement_age, partner_life_expectancy)
    SELECT {USER_ID}, 'User ' || u, DATE '1960-01-01' + (u % 12000),
           (ARRAY['female', 'male', 'unspecified'])[1 + u % 3], 60 + u % 10, 90 + u % 10,
           CASE WHEN couple THEN 'married_joint' ELSE 'single' END,
           CASE WHEN couple THEN 'Partner ' || u END,
           CASE WHEN couple THEN DATE '1962-01-01' + (u % 11000) END,
           CASE WHEN couple THEN (ARRAY['male', 'female', 'unspecified'])[1 + u % 3] END,
           CASE WHEN couple THEN 62 + u % 6 END, CASE WHEN couple THEN 88 + u % 10 END
    FROM generate_series(1, {USERS}) AS u, LATERAL (SELECT u % 3 = 0) AS h (couple)""",
    f"""INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at,
                                    revoked_at)
    SELECT gen_random_uuid(), {USER_ID}, md5('family-' || u || '-' || n % 2)::uuid,
           sha256(convert_to('token-' || u || '-' || n, 'UTF8')),
           now() - {AGE}, now() - {AGE} + interval '30 days',
           CASE WHEN n < 4 THEN now() - {AGE} + interval '1 hour' END
    FROM generate_series(1, {USERS}) AS u, generate_series(1, 4) AS n""",
    f"""INSERT INTO login_failures (scope, subject_hash, attempts, window_started_at)
    SELECT scope, sha256(convert_to(scope || u, 'UTF8')), 1 + u % 5, now() - {AGE}
    FROM generate_series(1, {USERS}) AS u,
         unnest(ARRAY['account', 'address', 'account_address', 'register_minute', 'register_day'])
             AS scope,
         (VALUES (1)) AS v (n)
    WHERE u % 2 = 0""",
    f"""INSERT INTO outbox (id, event_type, payload, occurred_at)
    SELECT md5('event-' || u || '-' || n)::uuid, 'user.deleted',
           jsonb_build_object('user_id', {USER_ID}), now() - {OUTBOX_AGE}
    FROM generate_series(1, {USERS}) AS u, generate_series(1, 2) AS n""",
    """INSERT INTO outbox_deliveries (event_id, subscriber, attempts, next_attempt_at,
                                      delivered_at)
    SELECT o.id, s, 1, o.occurred_at,
           CASE WHEN o.occurred_at < now() - interval '1 hour' THEN o.occurred_at END
    FROM outbox o, unnest(ARRAY['ledger', 'projections']) AS s""",
)


def seed_database(dsn: str, scale: seed.Scale) -> None:
    """Seed users, profiles, refresh tokens, login failures and the outbox; then ANALYZE."""
    seed.run(dsn, STATEMENTS, {"users": scale.users})
    seed.analyze(dsn)
