-- The audit log is append-only in the database itself: no code path, and no
-- one with a SQL prompt through the app's connection, rewrites history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Versions for records kept as a set of rows (a year's targets, an
-- institution's payment-type rules), so an edit can name the version it was
-- made from in its UPDATE's WHERE, as single-row records do.
CREATE TABLE edit_versions (
    key TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);

-- Who set a classification, as an account: pages show another institution's
-- staff by institution and role, not by name.
ALTER TABLE supplier_provenance ADD COLUMN set_by_user_id BIGINT REFERENCES users (id);
