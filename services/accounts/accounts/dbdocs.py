"""What docs/DATABASE.md says of the accounts database beyond its catalogs (`make docs-db`)."""

from __future__ import annotations

from nestegg_common.dbops.schemamodel import Example, SchemaNotes

NOTES = SchemaNotes(
    summary="""\
Users, their profiles and refresh tokens, login throttling and the outbox of events for the
other services (see [OUTBOX.md](OUTBOX.md)). Only the accounts database holds personal data
beyond ids: the email and the profile.
""",
    index_notes={
        "users_email_key_key": (
            "one account per email key (NFKC + case folding, accounts/emails.py)"
        ),
        "refresh_tokens_user_issued_idx": (
            "the sessions list in issue order; the `ON DELETE CASCADE` from `users`"
        ),
        "refresh_tokens_expires_idx": "meant for purging expired tokens; no purge job runs yet",
        "login_failures_window_idx": (
            "meant for purging old throttling windows; no purge job runs yet"
        ),
        "profiles_pkey": "the `ON DELETE CASCADE` from `users`",
        "outbox_deliveries_pkey": "the `ON DELETE CASCADE` from `outbox`",
    },
    examples=(
        Example(
            "A user and their profile by email (the login lookup, case-insensitive)",
            """\
SELECT u.id, u.created_at, p.retirement_age, p.life_expectancy, p.currency
FROM users u JOIN profiles p ON p.user_id = u.id
WHERE lower(u.email) = lower(:'email');""",
        ),
        Example(
            "Households: profiles per filing status, and how many have a partner (0006)",
            """\
SELECT filing_status, count(*) AS profiles, count(partner_birth_date) AS with_partner
FROM profiles
GROUP BY filing_status
ORDER BY filing_status;""",
        ),
        Example(
            "A user's usable refresh tokens, one line per login (family)",
            """\
SELECT family_id, max(issued_at) AS last_refresh, max(expires_at) AS expires_at
FROM refresh_tokens
WHERE user_id = :'user_id' AND revoked_at IS NULL AND expires_at > now()
GROUP BY family_id
ORDER BY last_refresh DESC;""",
        ),
        Example(
            "Events not yet delivered, per subscriber",
            """\
SELECT subscriber, count(*) AS pending, min(next_attempt_at) AS next_attempt,
       max(attempts) AS most_attempts
FROM outbox_deliveries
WHERE delivered_at IS NULL
GROUP BY subscriber
ORDER BY subscriber;""",
        ),
    ),
)
