DROP INDEX spend_lines_batch;
DROP INDEX spend_lines_live;
CREATE INDEX spend_lines_institution_date ON spend_lines (institution_id, payment_date);
ALTER TABLE spend_lines DROP COLUMN fingerprint;
DROP TABLE import_profiles;
DROP TABLE import_file_chunks;
DROP TABLE import_batches;
