DROP TABLE processed_events;
DROP TABLE idempotency_keys;
DROP TABLE expenses;
DROP TABLE incomes;
DROP TABLE debts;
DROP TABLE assets;
