"""What docs/DATABASE.md says of the ledger database beyond its catalogs (`make docs-db`)."""

from __future__ import annotations

from nestegg_common.dbops.schemamodel import Example, SchemaNotes

NOTES = SchemaNotes(
    summary="""\
Each user's assets, debts, incomes and expenses. Every money column is `numeric(14,2)` with
`CHECK (… >= 0)`; each of the four record tables carries `version` (the ETag), `created_at` and
`updated_at`, set with `clock_timestamp()` so rows created in one transaction still sort in
creation order (the keyset lists page on `(created_at, id)`). Every record has an `owner`
(`self`, `partner`, `joint`; migration 0004), with the rules of DESIGN §4 as CHECKs: which kinds
may be joint, `cost_basis` and `sell_age` by asset kind, `survivor_fraction` only on pensions and
annuities. The Social Security claiming-age CHECK is `NOT VALID` on purpose: rows stored before
0004 may hold another `start_age` (the engine clamps it); every new or changed row obeys it.
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
            "A user's net worth and yearly cash flow (`once` records are one payment, not yearly)",
            """\
SELECT (SELECT coalesce(sum(balance), 0) FROM assets WHERE user_id = :'user_id')
     - (SELECT coalesce(sum(balance), 0) FROM debts WHERE user_id = :'user_id') AS net_worth,
       (SELECT coalesce(sum(amount * CASE frequency WHEN 'monthly' THEN 12 ELSE 1 END), 0)
        FROM incomes WHERE user_id = :'user_id' AND frequency <> 'once') AS income_per_year,
       (SELECT coalesce(sum(amount * CASE frequency WHEN 'monthly' THEN 12 ELSE 1 END), 0)
        FROM expenses WHERE user_id = :'user_id' AND frequency <> 'once') AS spending_per_year;""",
        ),
        Example(
            "A user's records by owner (`self`, `partner`, `joint`)",
            """\
SELECT owner, count(*) AS records, sum(balance) AS balance
FROM assets
WHERE user_id = :'user_id'
GROUP BY owner;""",
        ),
    ),
)
