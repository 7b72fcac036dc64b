-- Undo 0006: no more notifications; a release before this one keeps no page cache.
DROP TRIGGER IF EXISTS assets_notify_change ON assets;
DROP TRIGGER IF EXISTS assets_notify_truncate ON assets;
DROP TRIGGER IF EXISTS debts_notify_change ON debts;
DROP TRIGGER IF EXISTS debts_notify_truncate ON debts;
DROP TRIGGER IF EXISTS incomes_notify_change ON incomes;
DROP TRIGGER IF EXISTS incomes_notify_truncate ON incomes;
DROP TRIGGER IF EXISTS expenses_notify_change ON expenses;
DROP TRIGGER IF EXISTS expenses_notify_truncate ON expenses;
DROP FUNCTION IF EXISTS ledger_notify_record_change();
