-- Financial years an institution has closed after sign-off: lines dated in
-- a closed year cannot be entered, edited, deleted, restored, imported or
-- undone until an admin reopens it (the row is then removed; both steps are
-- in the audit log, with who and when).
-- Keep in step with migrations/postgres/2026-12-04-000020_closed_years/up.sql.

CREATE TABLE closed_years (
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    financial_year INTEGER NOT NULL,
    closed_at TIMESTAMP NOT NULL,
    closed_by TEXT NOT NULL,
    closed_by_user_id BIGINT REFERENCES users (id),
    note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    PRIMARY KEY (institution_id, financial_year)
);
