ALTER TABLE supplier_provenance DROP COLUMN set_by_user_id;
DROP TABLE edit_versions;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
