-- Projections, their scenarios and stored runs; idempotency keys; processed events.

CREATE TABLE projections (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    assumptions jsonb       NOT NULL CHECK (jsonb_typeof(assumptions) = 'object'),
    version     integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX projections_user_page_idx ON projections (user_id, created_at DESC, id DESC);
COMMENT ON TABLE projections IS 'A user''s named set of projection assumptions; runs use the live ledger and profile.';
COMMENT ON COLUMN projections.id IS 'Projection id.';
COMMENT ON COLUMN projections.user_id IS 'Owner (accounts.users.id; no cross-database FK).';
COMMENT ON COLUMN projections.name IS 'Label the user gave it.';
COMMENT ON COLUMN projections.assumptions IS 'Validated engine assumptions with every default filled in (docs/ENGINE.md).';
COMMENT ON COLUMN projections.version IS 'Incremented on each change; the ETag.';
COMMENT ON COLUMN projections.created_at IS 'When created; with id, the keyset for listing newest first.';
COMMENT ON COLUMN projections.updated_at IS 'When last changed.';

CREATE TABLE scenarios (
    id            uuid        PRIMARY KEY,
    projection_id uuid        NOT NULL REFERENCES projections (id) ON DELETE CASCADE,
    user_id       uuid        NOT NULL,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    overrides     jsonb       NOT NULL CHECK (jsonb_typeof(overrides) = 'object'),
    version       integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX scenarios_projection_page_idx ON scenarios (user_id, projection_id, created_at DESC, id DESC);
CREATE INDEX scenarios_projection_fk_idx ON scenarios (projection_id);
COMMENT ON TABLE scenarios IS 'A what-if on a projection: changes to the plan or its assumptions.';
COMMENT ON COLUMN scenarios.id IS 'Scenario id.';
COMMENT ON COLUMN scenarios.projection_id IS 'The projection it varies; deleted with it.';
COMMENT ON COLUMN scenarios.user_id IS 'Owner, repeated from the projection so every query filters by user.';
COMMENT ON COLUMN scenarios.name IS 'Label the user gave it.';
COMMENT ON COLUMN scenarios.overrides IS 'Validated overrides: retirement_age, life_expectancy, assumptions, extra or scaled incomes and expenses.';
COMMENT ON COLUMN scenarios.version IS 'Incremented on each change; the ETag.';
COMMENT ON COLUMN scenarios.created_at IS 'When created; with id, the keyset for listing newest first.';
COMMENT ON COLUMN scenarios.updated_at IS 'When last changed.';

CREATE TABLE runs (
    id             uuid        PRIMARY KEY,
    projection_id  uuid        NOT NULL REFERENCES projections (id) ON DELETE CASCADE,
    scenario_id    uuid        REFERENCES scenarios (id) ON DELETE CASCADE,
    user_id        uuid        NOT NULL,
    inputs_hash    text        NOT NULL CHECK (inputs_hash ~ '^[0-9a-f]{64}$'),
    engine_version text        NOT NULL,
    dataset_hash   text        CHECK (dataset_hash IS NULL OR dataset_hash ~ '^[0-9a-f]{64}$'),
    seed           bigint      CHECK (seed IS NULL OR seed >= 0),
    success_rate   double precision NOT NULL CHECK (success_rate BETWEEN 0 AND 1),
    result         jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT runs_one_per_inputs UNIQUE NULLS NOT DISTINCT (projection_id, scenario_id, inputs_hash)
);
CREATE INDEX runs_user_latest_idx ON runs (user_id, created_at DESC);
CREATE INDEX runs_scenario_fk_idx ON runs (scenario_id) WHERE scenario_id IS NOT NULL;
COMMENT ON TABLE runs IS 'Stored projection results, reused while the inputs hash is unchanged.';
COMMENT ON COLUMN runs.id IS 'Run id.';
COMMENT ON COLUMN runs.projection_id IS 'The projection run; deleted with it.';
COMMENT ON COLUMN runs.scenario_id IS 'The scenario applied, or null for the baseline; deleted with it.';
COMMENT ON COLUMN runs.user_id IS 'Owner, repeated so every query filters by user.';
COMMENT ON COLUMN runs.inputs_hash IS 'sha256 of the canonical plan + assumptions + engine version + dataset hash.';
COMMENT ON COLUMN runs.engine_version IS 'Engine version that computed the result.';
COMMENT ON COLUMN runs.dataset_hash IS 'sha256 of the historical data file (historical mode), else null.';
COMMENT ON COLUMN runs.seed IS 'Random seed used (Monte Carlo), else null.';
COMMENT ON COLUMN runs.success_rate IS 'Share of paths that never failed, copied out of the result for summaries.';
COMMENT ON COLUMN runs.result IS 'The engine result JSON (DESIGN section 6).';
COMMENT ON COLUMN runs.created_at IS 'When computed.';

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
