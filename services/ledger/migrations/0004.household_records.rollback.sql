-- Undo 0004. Lossy, as any rollback that drops columns: owner (partner and joint records become
-- plain records), cost_basis, sell_age, payoff_age and survivor_fraction are dropped.
-- A `once` record with a start_age becomes the `annual` record that pays the same, once:
-- end_age = start_age. One without a start_age ("this year") has no equivalent before 0004, so
-- the rollback stops and counts them rather than guess or delete: give them a start_age (or
-- delete them) and roll back again (docs/MIGRATIONS.md, Rolling back).
SET LOCAL lock_timeout = '5s';

DO $$
DECLARE
    stranded bigint;
BEGIN
    SELECT (SELECT count(*) FROM incomes WHERE frequency = 'once' AND start_age IS NULL)
         + (SELECT count(*) FROM expenses WHERE frequency = 'once' AND start_age IS NULL)
      INTO stranded;
    IF stranded > 0 THEN
        RAISE EXCEPTION 'cannot roll back 0004: % once income(s)/expense(s) have no start_age; '
            'set one or delete them first', stranded;
    END IF;
END
$$;

UPDATE incomes SET frequency = 'annual', end_age = start_age WHERE frequency = 'once';
UPDATE expenses SET frequency = 'annual', end_age = start_age WHERE frequency = 'once';

ALTER TABLE expenses
    DROP CONSTRAINT expenses_frequency_check,
    ADD CONSTRAINT expenses_frequency_check CHECK (frequency IN ('monthly', 'annual')),
    DROP COLUMN owner;
COMMENT ON COLUMN expenses.frequency IS 'monthly or annual.';

ALTER TABLE incomes
    DROP CONSTRAINT incomes_social_security_claiming_age_check,
    DROP CONSTRAINT incomes_frequency_check,
    ADD CONSTRAINT incomes_frequency_check CHECK (frequency IN ('monthly', 'annual')),
    DROP COLUMN survivor_fraction,
    DROP COLUMN owner;
COMMENT ON COLUMN incomes.frequency IS 'monthly or annual.';
COMMENT ON COLUMN incomes.start_age IS 'First age (inclusive) it is received; null = now.';

ALTER TABLE debts DROP COLUMN payoff_age, DROP COLUMN owner;

ALTER TABLE assets DROP COLUMN sell_age, DROP COLUMN cost_basis, DROP COLUMN owner;
