DROP TABLE processed_events;
DROP TABLE idempotency_keys;
DROP TABLE runs;
DROP TABLE scenarios;
DROP TABLE projections;
