"""Seed data for the ledger database (`make db-audit`, `make docs-db`, `make bench-db`).

Every user's assets, debts, incomes and expenses (`Scale.ledger_rows_per_user` in all, split
across the four collections), their idempotency keys and consumed events.
"""

from __future__ import annotations

from nestegg_common.dbops import seed
from nestegg_common.dbops.seed import AGE, USER_ID, USERS

ROWS = seed.setting("rows")

STATEMENTS = {
    "assets": f"""INSERT INTO assets (id, user_id, name, kind, balance, annual_contribution,
                                      contribution_end_age, stock_allocation, created_at,
                                      updated_at)
    SELECT gen_random_uuid(), {USER_ID}, 'Asset ' || n,
           (ARRAY['cash', 'taxable', 'tax_deferred', 'tax_free', 'real_estate', 'other'])
               [1 + n % 6],
           (u * 37 + n * 1009) % 500000 + 0.25, (n * 113) % 20000,
           CASE WHEN n % 3 = 0 THEN NULL ELSE 60 + n % 10 END, (n % 101) / 100.0,
           now() - {AGE}, now() - {AGE}
    FROM generate_series(1, {USERS}) AS u, generate_series(1, {ROWS}) AS n""",
    "debts": f"""INSERT INTO debts (id, user_id, name, kind, balance, interest_rate,
                                    monthly_payment, created_at, updated_at)
    SELECT gen_random_uuid(), {USER_ID}, 'Debt ' || n,
           (ARRAY['mortgage', 'student', 'auto', 'credit_card', 'personal', 'other'])[1 + n % 6],
           (u * 31 + n * 997) % 300000 + 0.5, (n % 20) / 200.0, (n * 71) % 3000,
           now() - {AGE}, now() - {AGE}
    FROM generate_series(1, {USERS}) AS u, generate_series(1, {ROWS}) AS n""",
    "incomes": f"""INSERT INTO incomes (id, user_id, name, kind, amount, frequency, start_age,
                                        end_age, growth_rate, inflation_indexed, taxable,
                                        created_at, updated_at)
    SELECT gen_random_uuid(), {USER_ID}, 'Income ' || n,
           (ARRAY['salary', 'pension', 'social_security', 'rental', 'annuity', 'other'])
               [1 + n % 6],
           (u * 13 + n * 211) % 9000 + 100, (ARRAY['monthly', 'annual'])[1 + n % 2],
           -- social_security (n % 6 = 2) is claimed at 62..70 (migration 0004's CHECK)
           CASE WHEN n % 6 = 2 THEN 62 + n % 9 ELSE 30 + n % 30 END,
           CASE WHEN n % 6 = 2 THEN NULL ELSE 65 + n % 30 END,
           (n % 5) / 100.0, n % 2 = 0, n % 3 <> 0,
           now() - {AGE}, now() - {AGE}
    FROM generate_series(1, {USERS}) AS u, generate_series(1, {ROWS}) AS n""",
    "expenses": f"""INSERT INTO expenses (id, user_id, name, category, amount, frequency,
                                          start_age, end_age, inflation_indexed, essential,
                                          created_at, updated_at)
    SELECT gen_random_uuid(), {USER_ID}, 'Expense ' || n,
           (ARRAY['housing', 'food', 'travel', 'health', 'transport'])[1 + n % 5],
           (u * 17 + n * 307) % 4000 + 10, (ARRAY['monthly', 'annual'])[1 + n % 2],
           NULL, CASE WHEN n % 4 = 0 THEN 90 END, true, n % 3 <> 0,
           now() - {AGE}, now() - {AGE}
    FROM generate_series(1, {USERS}) AS u, generate_series(1, {ROWS}) AS n""",
}


def split(scale: seed.Scale) -> dict[str, int]:
    """Split each user's ledger rows across the four collections."""
    rows = scale.ledger_rows_per_user
    shares = {"assets": rows * 4 // 10, "debts": rows // 10, "incomes": rows * 2 // 10}
    shares["expenses"] = rows - sum(shares.values())
    return shares


def seed_database(dsn: str, scale: seed.Scale) -> None:
    """Seed every user's assets, debts, incomes and expenses and their keys; then ANALYZE."""
    for table, rows in split(scale).items():
        seed.run(dsn, [STATEMENTS[table]], {"users": scale.users, "rows": rows})
    seed.run(dsn, [seed.IDEMPOTENCY_KEYS, seed.PROCESSED_EVENTS], {"users": scale.users})
    seed.analyze(dsn)
