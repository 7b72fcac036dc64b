-- Assets, debts, incomes and expenses of each user; idempotency keys; processed events.

CREATE TABLE assets (
    id                   uuid          PRIMARY KEY,
    user_id              uuid          NOT NULL,
    name                 text          NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind                 text          NOT NULL CHECK (kind IN ('cash', 'taxable', 'tax_deferred', 'tax_free', 'real_estate', 'other')),
    balance              numeric(14,2) NOT NULL CHECK (balance >= 0),
    annual_contribution  numeric(14,2) NOT NULL DEFAULT 0 CHECK (annual_contribution >= 0),
    contribution_end_age smallint      CHECK (contribution_end_age BETWEEN 0 AND 120),
    stock_allocation     numeric(5,4)  NOT NULL CHECK (stock_allocation BETWEEN 0 AND 1),
    version              integer       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           timestamptz   NOT NULL DEFAULT clock_timestamp(),
    updated_at           timestamptz   NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX assets_user_page_idx ON assets (user_id, created_at DESC, id DESC);
COMMENT ON TABLE assets IS 'What a user owns: accounts and property, with contributions and allocation.';
COMMENT ON COLUMN assets.id IS 'Asset id.';
COMMENT ON COLUMN assets.user_id IS 'Owner (accounts.users.id; no cross-database FK).';
COMMENT ON COLUMN assets.name IS 'Label the user gave it.';
COMMENT ON COLUMN assets.kind IS 'Tax treatment / nature: cash, taxable, tax_deferred, tax_free, real_estate, other.';
COMMENT ON COLUMN assets.balance IS 'Current value in the profile currency.';
COMMENT ON COLUMN assets.annual_contribution IS 'Added each year until contribution_end_age.';
COMMENT ON COLUMN assets.contribution_end_age IS 'Last age (inclusive) with a contribution; null = until retirement.';
COMMENT ON COLUMN assets.stock_allocation IS 'Share in stocks, 0..1; the rest is bonds. Rebalanced yearly.';
COMMENT ON COLUMN assets.version IS 'Incremented on each change; the ETag.';
COMMENT ON COLUMN assets.created_at IS 'When recorded; with id, the keyset for listing newest first.';
COMMENT ON COLUMN assets.updated_at IS 'When last changed.';

CREATE TABLE debts (
    id              uuid          PRIMARY KEY,
    user_id         uuid          NOT NULL,
    name            text          NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind            text          NOT NULL CHECK (kind IN ('mortgage', 'student', 'auto', 'credit_card', 'personal', 'other')),
    balance         numeric(14,2) NOT NULL CHECK (balance >= 0),
    interest_rate   numeric(7,6)  NOT NULL CHECK (interest_rate BETWEEN 0 AND 1),
    monthly_payment numeric(14,2) NOT NULL CHECK (monthly_payment >= 0),
    version         integer       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz   NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz   NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX debts_user_page_idx ON debts (user_id, created_at DESC, id DESC);
COMMENT ON TABLE debts IS 'What a user owes, amortised by a monthly payment.';
COMMENT ON COLUMN debts.id IS 'Debt id.';
COMMENT ON COLUMN debts.user_id IS 'Owner (accounts.users.id; no cross-database FK).';
COMMENT ON COLUMN debts.name IS 'Label the user gave it.';
COMMENT ON COLUMN debts.kind IS 'mortgage, student, auto, credit_card, personal, other.';
COMMENT ON COLUMN debts.balance IS 'Outstanding principal.';
COMMENT ON COLUMN debts.interest_rate IS 'Nominal annual rate as a fraction (0.05 = 5%), 0..1.';
COMMENT ON COLUMN debts.monthly_payment IS 'Payment each month until paid off.';
COMMENT ON COLUMN debts.version IS 'Incremented on each change; the ETag.';
COMMENT ON COLUMN debts.created_at IS 'When recorded; with id, the keyset for listing newest first.';
COMMENT ON COLUMN debts.updated_at IS 'When last changed.';

CREATE TABLE incomes (
    id                uuid          PRIMARY KEY,
    user_id           uuid          NOT NULL,
    name              text          NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind              text          NOT NULL CHECK (kind IN ('salary', 'pension', 'social_security', 'rental', 'annuity', 'other')),
    amount            numeric(14,2) NOT NULL CHECK (amount >= 0),
    frequency         text          NOT NULL CHECK (frequency IN ('monthly', 'annual')),
    start_age         smallint      CHECK (start_age BETWEEN 0 AND 120),
    end_age           smallint      CHECK (end_age BETWEEN 0 AND 120),
    growth_rate       numeric(7,6)  NOT NULL DEFAULT 0 CHECK (growth_rate BETWEEN -0.5 AND 0.5),
    inflation_indexed boolean       NOT NULL DEFAULT false,
    taxable           boolean       NOT NULL DEFAULT true,
    version           integer       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz   NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz   NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT incomes_end_after_start CHECK (end_age IS NULL OR start_age IS NULL OR end_age >= start_age)
);
CREATE INDEX incomes_user_page_idx ON incomes (user_id, created_at DESC, id DESC);
COMMENT ON TABLE incomes IS 'Money a user receives over an age window.';
COMMENT ON COLUMN incomes.id IS 'Income id.';
COMMENT ON COLUMN incomes.user_id IS 'Owner (accounts.users.id; no cross-database FK).';
COMMENT ON COLUMN incomes.name IS 'Label the user gave it.';
COMMENT ON COLUMN incomes.kind IS 'salary, pension, social_security, rental, annuity, other.';
COMMENT ON COLUMN incomes.amount IS 'Amount per period (see frequency), in today''s money at start.';
COMMENT ON COLUMN incomes.frequency IS 'monthly or annual.';
COMMENT ON COLUMN incomes.start_age IS 'First age (inclusive) it is received; null = now.';
COMMENT ON COLUMN incomes.end_age IS 'Last age (inclusive); null = plan end.';
COMMENT ON COLUMN incomes.growth_rate IS 'Yearly growth as a fraction when not inflation-indexed, -0.5..0.5.';
COMMENT ON COLUMN incomes.inflation_indexed IS 'Grows with inflation instead of growth_rate.';
COMMENT ON COLUMN incomes.taxable IS 'Subject to income tax.';
COMMENT ON COLUMN incomes.version IS 'Incremented on each change; the ETag.';
COMMENT ON COLUMN incomes.created_at IS 'When recorded; with id, the keyset for listing newest first.';
COMMENT ON COLUMN incomes.updated_at IS 'When last changed.';

CREATE TABLE expenses (
    id                uuid          PRIMARY KEY,
    user_id           uuid          NOT NULL,
    name              text          NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    category          text          NOT NULL CHECK (length(category) BETWEEN 1 AND 50),
    amount            numeric(14,2) NOT NULL CHECK (amount >= 0),
    frequency         text          NOT NULL CHECK (frequency IN ('monthly', 'annual')),
    start_age         smallint      CHECK (start_age BETWEEN 0 AND 120),
    end_age           smallint      CHECK (end_age BETWEEN 0 AND 120),
    inflation_indexed boolean       NOT NULL DEFAULT true,
    essential         boolean       NOT NULL DEFAULT true,
    version           integer       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz   NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz   NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT expenses_end_after_start CHECK (end_age IS NULL OR start_age IS NULL OR end_age >= start_age)
);
CREATE INDEX expenses_user_page_idx ON expenses (user_id, created_at DESC, id DESC);
COMMENT ON TABLE expenses IS 'Money a user spends over an age window.';
COMMENT ON COLUMN expenses.id IS 'Expense id.';
COMMENT ON COLUMN expenses.user_id IS 'Owner (accounts.users.id; no cross-database FK).';
COMMENT ON COLUMN expenses.name IS 'Label the user gave it.';
COMMENT ON COLUMN expenses.category IS 'Free-form grouping (housing, food, travel…).';
COMMENT ON COLUMN expenses.amount IS 'Amount per period (see frequency), in today''s money at start.';
COMMENT ON COLUMN expenses.frequency IS 'monthly or annual.';
COMMENT ON COLUMN expenses.start_age IS 'First age (inclusive) it is spent; null = now.';
COMMENT ON COLUMN expenses.end_age IS 'Last age (inclusive); null = plan end.';
COMMENT ON COLUMN expenses.inflation_indexed IS 'Grows with inflation.';
COMMENT ON COLUMN expenses.essential IS 'Needed to live (versus discretionary).';
COMMENT ON COLUMN expenses.version IS 'Incremented on each change; the ETag.';
COMMENT ON COLUMN expenses.created_at IS 'When recorded; with id, the keyset for listing newest first.';
COMMENT ON COLUMN expenses.updated_at IS 'When last changed.';

CREATE TABLE idempotency_keys (
    user_id          uuid        NOT NULL,
    key              text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     bytea       NOT NULL CHECK (length(request_hash) = 32),
    state            text        NOT NULL CHECK (state IN ('in_flight', 'done')),
    response_status  smallint    CHECK (response_status BETWEEN 100 AND 599),
    response_body    jsonb,
    response_headers jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key),
    CONSTRAINT idempotency_done_has_response CHECK (state = 'in_flight' OR response_status IS NOT NULL)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
COMMENT ON TABLE idempotency_keys IS 'Idempotency-Key of each POST: the first response, replayed for retries; kept >= 24 h.';
COMMENT ON COLUMN idempotency_keys.user_id IS 'Keys are scoped per user.';
COMMENT ON COLUMN idempotency_keys.key IS 'The client''s Idempotency-Key header.';
COMMENT ON COLUMN idempotency_keys.request_hash IS 'SHA-256 of method, path and body; a different request with the same key is refused.';
COMMENT ON COLUMN idempotency_keys.state IS 'in_flight while the first request runs, done once its response is stored.';
COMMENT ON COLUMN idempotency_keys.response_status IS 'Status of the first response.';
COMMENT ON COLUMN idempotency_keys.response_body IS 'Body of the first response.';
COMMENT ON COLUMN idempotency_keys.response_headers IS 'Location and ETag of the first response.';
COMMENT ON COLUMN idempotency_keys.created_at IS 'When claimed; purged after the retention period.';

CREATE TABLE processed_events (
    event_id     uuid        PRIMARY KEY,
    event_type   text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE processed_events IS 'Events from other services already applied here, so redelivery is harmless.';
COMMENT ON COLUMN processed_events.event_id IS 'The outbox event id.';
COMMENT ON COLUMN processed_events.event_type IS 'e.g. user.deleted.';
COMMENT ON COLUMN processed_events.processed_at IS 'When it was applied.';
