DROP INDEX spend_lines_batch;
DROP INDEX spend_lines_fingerprint;
ALTER TABLE spend_lines DROP COLUMN fingerprint;
DROP TABLE import_profiles;
DROP TABLE import_file_chunks;
DROP TABLE import_batches;
