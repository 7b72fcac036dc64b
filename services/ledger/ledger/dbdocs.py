"""What docs/DATABASE.md says of the ledger database beyond its catalogs (`make docs-db`)."""

from __future__ import annotations

from nestegg_common.dbops.schemamodel import Example, SchemaNotes

NOTES = SchemaNotes(
    summary="""\
Each user's assets, debts, incomes and expenses. Every money column is `numeric(14,2)` with
`CHECK (… >= 0)`; each of the four record tables carries `version` (the ETag), `created_at` and
`updated_at`, set with `clock_timestamp()` so rows created in one transaction still sort in
creation order (the keyset lists page on `(created_at, id)`).
""",
    examples=(
        Example(
            "A user's newest assets, as `GET /assets` pages them (keyset on `created_at, id`)",
            """\
SELECT id, name, kind, balance, created_at
FROM assets
WHERE user_id = :'user_id'
ORDER BY created_at DESC, id DESC
LIMIT 20;""",
        ),
        Example(
            "A user's net worth and yearly cash flow",
            """\
SELECT (SELECT coalesce(sum(balance), 0) FROM assets WHERE user_id = :'user_id')
     - (SELECT coalesce(sum(balance), 0) FROM debts WHERE user_id = :'user_id') AS net_worth,
       (SELECT coalesce(sum(amount * CASE frequency WHEN 'monthly' THEN 12 ELSE 1 END), 0)
        FROM incomes WHERE user_id = :'user_id') AS income_per_year,
       (SELECT coalesce(sum(amount * CASE frequency WHEN 'monthly' THEN 12 ELSE 1 END), 0)
        FROM expenses WHERE user_id = :'user_id') AS spending_per_year;""",
        ),
    ),
)
