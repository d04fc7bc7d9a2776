ALTER TABLE spend_lines DROP COLUMN statement_ref;
