-- Network-wide managers and auditors: a user attached to a network instead
-- of an institution sees every member's lines (the network's audit export
-- and its targets have an owner). A user works for exactly one of an
-- institution, a network (managers and auditors) or the whole installation
-- (admins). The foundation's CHECK allowed no institution for admins only,
-- and SQLite cannot change a CHECK in place, so the table is rebuilt by
-- SQLite's own procedure (see 2026-12-03-000018_sme_band/up.sql): foreign
-- keys off outside a transaction; create, copy, drop, rename in one.
-- metadata.toml runs this file outside diesel's own transaction for that.
-- Keep in step with migrations/postgres/2026-12-05-000021_network_users/up.sql.

PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE users_with_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'clerk', 'auditor')),
    institution_id BIGINT REFERENCES institutions (id),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    network_id BIGINT REFERENCES networks (id),
    CONSTRAINT users_works_for CHECK (
        (institution_id IS NOT NULL AND network_id IS NULL)
        OR (institution_id IS NULL AND network_id IS NULL AND role = 'admin')
        OR (institution_id IS NULL AND network_id IS NOT NULL AND role IN ('manager', 'auditor'))
    )
);
INSERT INTO users_with_networks (
    id, username, display_name, role, institution_id, password_hash, disabled,
    version, created_at, updated_at, password_changed_at, network_id
)
SELECT id, username, display_name, role, institution_id, password_hash, disabled,
    version, created_at, updated_at, password_changed_at, NULL
FROM users;
CREATE TEMP TABLE users_sequence AS
    SELECT seq FROM sqlite_sequence WHERE name = 'users';
DROP TABLE users;
ALTER TABLE users_with_networks RENAME TO users;
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT seq FROM temp.users_sequence), 0))
WHERE name = 'users';
DROP TABLE temp.users_sequence;
CREATE INDEX users_network_id ON users (network_id);

COMMIT;
PRAGMA foreign_keys = ON;
