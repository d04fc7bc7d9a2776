ALTER TABLE supplier_provenance DROP COLUMN set_by_user_id;
DROP TABLE edit_versions;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_no_update ON audit_log;
DROP FUNCTION audit_log_append_only();
