-- depends: 0005.user_changes
-- Ledger page cache (issue 19, docs/ARCHITECTURE.md "Ledger: cached pages"): every ledger
-- process keeps its users' encoded list pages in memory and LISTENs on `ledger_records`. These
-- triggers NOTIFY the owner's id from the transaction of every insert, update or delete of a
-- record, whoever runs it (another replica, DELETE /me's erasure, a restore, psql), so every
-- process drops that user's pages; PostgreSQL delivers a notification only at commit and folds
-- identical ones of a transaction into one. A TRUNCATE names no user: it sends '*' (drop all).
SET LOCAL lock_timeout = '5s';

CREATE FUNCTION ledger_notify_record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('ledger_records', '*');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('ledger_records', OLD.user_id::text);
    ELSE
        PERFORM pg_notify('ledger_records', NEW.user_id::text);
        IF TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
            PERFORM pg_notify('ledger_records', OLD.user_id::text);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ledger_notify_record_change() IS 'NOTIFY ledger_records with the user whose records changed (''*'' on TRUNCATE), so every ledger process drops its cached pages of that user.';

CREATE TRIGGER assets_notify_change AFTER INSERT OR UPDATE OR DELETE ON assets
    FOR EACH ROW EXECUTE FUNCTION ledger_notify_record_change();
CREATE TRIGGER assets_notify_truncate AFTER TRUNCATE ON assets
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_record_change();
CREATE TRIGGER debts_notify_change AFTER INSERT OR UPDATE OR DELETE ON debts
    FOR EACH ROW EXECUTE FUNCTION ledger_notify_record_change();
CREATE TRIGGER debts_notify_truncate AFTER TRUNCATE ON debts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_record_change();
CREATE TRIGGER incomes_notify_change AFTER INSERT OR UPDATE OR DELETE ON incomes
    FOR EACH ROW EXECUTE FUNCTION ledger_notify_record_change();
CREATE TRIGGER incomes_notify_truncate AFTER TRUNCATE ON incomes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_record_change();
CREATE TRIGGER expenses_notify_change AFTER INSERT OR UPDATE OR DELETE ON expenses
    FOR EACH ROW EXECUTE FUNCTION ledger_notify_record_change();
CREATE TRIGGER expenses_notify_truncate AFTER TRUNCATE ON expenses
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_record_change();
COMMENT ON TRIGGER assets_notify_change ON assets IS 'Drops the owner''s cached ledger pages in every ledger process (ledger_notify_record_change).';
COMMENT ON TRIGGER debts_notify_change ON debts IS 'Drops the owner''s cached ledger pages in every ledger process (ledger_notify_record_change).';
COMMENT ON TRIGGER incomes_notify_change ON incomes IS 'Drops the owner''s cached ledger pages in every ledger process (ledger_notify_record_change).';
COMMENT ON TRIGGER expenses_notify_change ON expenses IS 'Drops the owner''s cached ledger pages in every ledger process (ledger_notify_record_change).';
COMMENT ON TRIGGER assets_notify_truncate ON assets IS 'A TRUNCATE drops every cached ledger page in every ledger process.';
COMMENT ON TRIGGER debts_notify_truncate ON debts IS 'A TRUNCATE drops every cached ledger page in every ledger process.';
COMMENT ON TRIGGER incomes_notify_truncate ON incomes IS 'A TRUNCATE drops every cached ledger page in every ledger process.';
COMMENT ON TRIGGER expenses_notify_truncate ON expenses IS 'A TRUNCATE drops every cached ledger page in every ledger process.';
