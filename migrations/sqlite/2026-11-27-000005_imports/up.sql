-- Spend imports: each uploaded file is a batch that is detected, mapped,
-- previewed and committed whole (or not at all). The file itself is kept in
-- the database until the batch is committed or cancelled, so any app instance
-- can carry on a batch another one started.
-- Keep in step with migrations/postgres/2026-11-27-000005_imports/up.sql.

CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    file_name TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('uploaded', 'previewing', 'previewed', 'committing', 'committed', 'failed', 'undone', 'cancelled')),
    layout TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '',
    preview TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    line_count BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    total_pence BIGINT NOT NULL DEFAULT 0,
    job_id BIGINT,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    committed_by BIGINT,
    committed_at TIMESTAMP,
    undone_by BIGINT,
    undone_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX import_batches_institution ON import_batches (institution_id, created_at);

CREATE TABLE import_file_chunks (
    batch_id BIGINT NOT NULL REFERENCES import_batches (id),
    seq BIGINT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

-- A column mapping the clerk confirmed, reused for the institution's next
-- file with the same headers.
CREATE TABLE import_profiles (
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    signature TEXT NOT NULL,
    settings TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (institution_id, signature)
);

-- A line's fingerprint (its payment date, amount, supplier name, references
-- and how many identical lines came before it in its file) makes a re-import
-- of the same or an overlapping file add nothing twice. Only live lines count,
-- so a batch that was undone can be imported again. The payment date leads
-- the fingerprint in the index so that a file's lines, which come roughly in
-- date order, are inserted close together; the same index serves every query
-- of an institution's live lines by date, so it replaces the plain one.
ALTER TABLE spend_lines ADD COLUMN fingerprint BIGINT;
DROP INDEX spend_lines_institution_date;
CREATE UNIQUE INDEX spend_lines_live ON spend_lines (institution_id, payment_date, fingerprint) WHERE deleted_at IS NULL;
CREATE INDEX spend_lines_batch ON spend_lines (import_batch_id);
