-- Rows of a file that could not be read and were left out of its import at
-- the clerk's choice: kept with the batch (their cells as read, and why), so
-- they can be downloaded, fixed and imported later.
-- Keep in step with migrations/sqlite/2026-12-02-000011_rows_left_out/up.sql.

CREATE TABLE import_rows_left_out (
    batch_id BIGINT NOT NULL REFERENCES import_batches (id),
    row_number BIGINT NOT NULL,
    line_number BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- The row's cells as a JSON array of strings.
    cells TEXT NOT NULL,
    PRIMARY KEY (batch_id, row_number)
);
