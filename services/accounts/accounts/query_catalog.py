"""Every SQL statement the accounts routes and outbox dispatcher run, for `make db-audit`."""

from __future__ import annotations

from accounts import erasure
from accounts import outbox_repository as outbox
from accounts import repository as repo
from nestegg_common.dbops.catalog import HEALTH, CatalogQuery
from nestegg_common.erasure import ERASED_PAGE, RECORD_TOMBSTONE

_USER = "SELECT id FROM users ORDER BY id LIMIT 1"
_HASH = "'$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'"
_DELIVERY = "SELECT event_id, subscriber FROM outbox_deliveries ORDER BY event_id LIMIT 1"
_FAILURE = "SELECT scope, subject_hash FROM login_failures ORDER BY subject_hash LIMIT 1"

CATALOG = (
    # POST /auth/register
    CatalogQuery(
        "users.insert",
        repo._INSERT_USER,
        f"SELECT gen_random_uuid(), 'new@example.com', 'new@example.com', {_HASH}",
    ),
    CatalogQuery("profiles.insert_default", repo._INSERT_DEFAULT_PROFILE, _USER),
    # POST /auth/login
    CatalogQuery(
        "users.credentials_by_email_key",
        repo._SELECT_CREDENTIALS_BY_EMAIL_KEY,
        "SELECT email_key FROM users ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "users.update_password_hash",
        repo._UPDATE_PASSWORD_HASH,
        f"SELECT id, {_HASH} FROM users ORDER BY id LIMIT 1",
    ),
    # POST /me/password (also users.update_password_hash, refresh_tokens.insert above and below)
    CatalogQuery("users.lock_credentials", repo._SELECT_CREDENTIALS_BY_ID, _USER),
    CatalogQuery(
        "refresh_tokens.revoke_user",
        repo._REVOKE_USER_TOKENS,
        "SELECT user_id FROM refresh_tokens ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "login_failures.count",
        repo._COUNT_ATTEMPT,
        "SELECT scope, subject_hash, 900.0::float8 FROM login_failures "
        "ORDER BY subject_hash LIMIT 1",
    ),
    CatalogQuery("login_failures.forgive", repo._FORGIVE_ATTEMPT, _FAILURE),
    CatalogQuery("login_failures.clear", repo._CLEAR_ATTEMPTS, _FAILURE),
    CatalogQuery(
        "refresh_tokens.insert",
        repo._INSERT_REFRESH_TOKEN,
        "SELECT gen_random_uuid(), user_id, family_id, sha256('new'::bytea), 2592000.0::float8 "
        "FROM refresh_tokens ORDER BY id LIMIT 1",
    ),
    # POST /auth/refresh, /auth/logout
    CatalogQuery(
        "refresh_tokens.lock_by_hash",
        repo._SELECT_REFRESH_TOKEN_FOR_UPDATE,
        "SELECT token_hash FROM refresh_tokens ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "refresh_tokens.rotate",
        repo._ROTATE_REFRESH_TOKEN,
        "SELECT id, gen_random_uuid(), sha256('salt'::bytea), sha256('client'::bytea) "
        "FROM refresh_tokens ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "refresh_tokens.lock_live_by_id",
        repo._SELECT_LIVE_REFRESH_TOKEN_FOR_UPDATE,
        "SELECT id FROM refresh_tokens ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "refresh_tokens.revoke_family",
        repo._REVOKE_TOKEN_FAMILY,
        "SELECT family_id FROM refresh_tokens ORDER BY id LIMIT 1",
    ),
    # GET /me, GET/PUT/PATCH /me/profile, GET /internal/users/{id}/profile and /export, DELETE /me
    CatalogQuery("users.with_profile", repo._SELECT_USER_WITH_PROFILE, _USER),
    CatalogQuery("profiles.select", repo._SELECT_PROFILE, _USER),
    # GET /internal/users/{id}/profile-version (projections' check of a stored result)
    CatalogQuery("profiles.version", repo._SELECT_PROFILE_VERSION, _USER),
    CatalogQuery("profiles.lock", repo._SELECT_PROFILE_FOR_UPDATE, _USER),
    CatalogQuery(
        "profiles.replace",
        repo._REPLACE_PROFILE,
        "SELECT user_id, display_name, birth_date, sex, retirement_age, life_expectancy, "
        "currency, filing_status, partner_name, partner_birth_date, partner_sex, "
        "partner_retirement_age, partner_life_expectancy, version "
        "FROM profiles ORDER BY user_id LIMIT 1",
    ),
    CatalogQuery("refresh_tokens.sessions", repo._SELECT_SESSIONS, _USER),
    CatalogQuery("users.delete", repo._DELETE_USER, _USER),
    CatalogQuery("erased_users.record", RECORD_TOMBSTONE, "SELECT gen_random_uuid()"),
    # GET /internal/erased-users, and accounts' own verifier every few seconds
    CatalogQuery(
        "erased_users.since",
        erasure.ERASED_SINCE,
        f"SELECT now() - interval '1 hour', {ERASED_PAGE}",
    ),
    # DELETE /me pushes its event at once
    CatalogQuery(
        "outbox.claim_event_deliveries",
        outbox._CLAIM_EVENT_DELIVERIES,
        "SELECT event_id, ARRAY['ledger', 'projections', 'gateway'], 20.0::float8 "
        "FROM outbox_deliveries ORDER BY event_id LIMIT 1",
    ),
    # The outbox: written with DELETE /me, then the dispatcher's loop
    CatalogQuery(
        "outbox.insert_event",
        outbox._INSERT_EVENT,
        "SELECT gen_random_uuid(), 'user.deleted', payload FROM outbox ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "outbox.insert_deliveries",
        outbox._INSERT_DELIVERIES,
        "SELECT id, ARRAY['ledger', 'projections'], 0.0::float8 FROM outbox ORDER BY id LIMIT 1",
    ),
    CatalogQuery(
        "outbox.claim_due",
        outbox._CLAIM_DUE_DELIVERIES,
        "SELECT ARRAY['ledger', 'projections'], 50, 40.0::float8",
    ),
    CatalogQuery("outbox.mark_delivered", outbox._MARK_DELIVERED, _DELIVERY),
    CatalogQuery(
        "outbox.mark_failed",
        outbox._MARK_FAILED,
        "SELECT event_id, subscriber, attempts, 30.0::float8, 'HTTP 503' "
        "FROM outbox_deliveries ORDER BY event_id LIMIT 1",
    ),
    CatalogQuery("outbox.pending_summary", outbox._PENDING_SUMMARY),
    CatalogQuery("outbox.purge_delivered", outbox._PURGE_DELIVERED_EVENTS, "SELECT 7, 1000"),
    HEALTH,
)
