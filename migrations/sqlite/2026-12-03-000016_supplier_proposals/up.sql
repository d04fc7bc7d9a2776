-- Values an institution's own files propose for suppliers on the shared
-- register (its supplier master file, its spend files' classification
-- columns), each with where it came from, until a clerk accepts or rejects
-- it. A proposal that disagrees with the register's value is a conflict:
-- worked out when shown, never applied without a clerk's choice.
-- Keep in step with migrations/postgres/2026-12-03-000016_supplier_proposals/up.sql.

CREATE TABLE supplier_proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    supplier_id BIGINT NOT NULL REFERENCES suppliers (id),
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    provenance TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    proposed_by TEXT NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP
);
CREATE INDEX supplier_proposals_open ON supplier_proposals (institution_id, status, supplier_id);
