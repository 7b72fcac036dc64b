-- depends: 0003.erased_users
-- Records of a household (issue 15, DESIGN §4 "Record fields"): whose each record is (`owner`),
-- and the fields the engine needs for couples, home sales, payoffs, survivors and one-time
-- events. Expand-only: every new column has a default or is nullable, so the release before
-- this one (which names its columns) keeps inserting and updating while it still runs.
-- The CHECKs on the new columns hold for every existing row (they all take the defaults), so
-- they are added validated; the scan is of the ledger's small record tables, bounded by
-- lock_timeout. The one rule old rows may break (a Social Security claiming age outside
-- 62–70) is NOT VALID on purpose: checked on every INSERT and UPDATE, never on rows already
-- stored (the engine clamps them; a PATCH of one must fix it).
SET LOCAL lock_timeout = '5s';

ALTER TABLE assets
    ADD COLUMN owner      text          NOT NULL DEFAULT 'self',
    ADD COLUMN cost_basis numeric(14,2),
    ADD COLUMN sell_age   smallint,
    ADD CONSTRAINT assets_owner_check CHECK (owner IN ('self', 'partner', 'joint')),
    ADD CONSTRAINT assets_joint_kind_check
        CHECK (owner <> 'joint' OR kind IN ('cash', 'taxable', 'real_estate', 'other')),
    ADD CONSTRAINT assets_cost_basis_check CHECK (cost_basis >= 0),
    ADD CONSTRAINT assets_cost_basis_kind_check
        CHECK (cost_basis IS NULL OR kind IN ('taxable', 'real_estate')),
    ADD CONSTRAINT assets_sell_age_check CHECK (sell_age BETWEEN 0 AND 120),
    ADD CONSTRAINT assets_sell_age_kind_check CHECK (sell_age IS NULL OR kind = 'real_estate');
COMMENT ON COLUMN assets.owner IS 'Whose it is: self, partner or joint; joint only for cash, taxable, real_estate, other.';
COMMENT ON COLUMN assets.cost_basis IS 'What was paid for it (taxable, real_estate); null = the balance (no unrealised gain).';
COMMENT ON COLUMN assets.sell_age IS 'real_estate: the owner''s age in whose year it is sold; null = never sold.';

ALTER TABLE debts
    ADD COLUMN owner      text     NOT NULL DEFAULT 'self',
    ADD COLUMN payoff_age smallint,
    ADD CONSTRAINT debts_owner_check CHECK (owner IN ('self', 'partner', 'joint')),
    ADD CONSTRAINT debts_payoff_age_check CHECK (payoff_age BETWEEN 0 AND 120);
COMMENT ON COLUMN debts.owner IS 'Whose it is: self, partner or joint.';
COMMENT ON COLUMN debts.payoff_age IS 'The owner''s age in whose year what is still owed is paid off; null = amortised to the end.';

ALTER TABLE incomes
    ADD COLUMN owner             text         NOT NULL DEFAULT 'self',
    ADD COLUMN survivor_fraction numeric(5,4) NOT NULL DEFAULT 0,
    ADD CONSTRAINT incomes_owner_check CHECK (owner IN ('self', 'partner', 'joint')),
    ADD CONSTRAINT incomes_joint_kind_check CHECK (owner <> 'joint' OR kind IN ('rental', 'other')),
    ADD CONSTRAINT incomes_survivor_fraction_check CHECK (survivor_fraction BETWEEN 0 AND 1),
    ADD CONSTRAINT incomes_survivor_fraction_kind_check
        CHECK (survivor_fraction = 0 OR kind IN ('pension', 'annuity')),
    DROP CONSTRAINT incomes_frequency_check,
    ADD CONSTRAINT incomes_frequency_check CHECK (frequency IN ('monthly', 'annual', 'once'));
ALTER TABLE incomes ADD CONSTRAINT incomes_social_security_claiming_age_check
    CHECK (kind <> 'social_security' OR start_age IS NULL OR start_age BETWEEN 62 AND 70) NOT VALID;
COMMENT ON COLUMN incomes.owner IS 'Whose it is: self, partner or joint; joint only for rental and other.';
COMMENT ON COLUMN incomes.survivor_fraction IS 'pension, annuity: share paid to the partner after the owner''s death, 0..1; 0 for other kinds.';
COMMENT ON COLUMN incomes.frequency IS 'monthly, annual, or once (one payment in the year of start_age; null start_age = this year).';
COMMENT ON COLUMN incomes.start_age IS 'First age (inclusive) it is received; null = now. social_security: the claiming age, 62..70 (null = full retirement age) on every write since 0004.';

ALTER TABLE expenses
    ADD COLUMN owner text NOT NULL DEFAULT 'self',
    ADD CONSTRAINT expenses_owner_check CHECK (owner IN ('self', 'partner', 'joint')),
    DROP CONSTRAINT expenses_frequency_check,
    ADD CONSTRAINT expenses_frequency_check CHECK (frequency IN ('monthly', 'annual', 'once'));
COMMENT ON COLUMN expenses.owner IS 'Whose it is: self, partner or joint; a self or partner expense stops at its owner''s death.';
COMMENT ON COLUMN expenses.frequency IS 'monthly, annual, or once (one payment in the year of start_age; null start_age = this year).';
