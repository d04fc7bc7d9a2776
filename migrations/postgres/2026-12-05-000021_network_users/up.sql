-- Network-wide managers and auditors: a user attached to a network instead
-- of an institution sees every member's lines (the network's audit export
-- and its targets have an owner). A user works for exactly one of an
-- institution, a network (managers and auditors) or the whole installation
-- (admins); this replaces the foundation's CHECK (users_check), which
-- allowed no institution for admins only.
-- Keep in step with migrations/sqlite/2026-12-05-000021_network_users/up.sql.

ALTER TABLE users ADD COLUMN network_id BIGINT REFERENCES networks (id);
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CONSTRAINT users_works_for CHECK (
    (institution_id IS NOT NULL AND network_id IS NULL)
    OR (institution_id IS NULL AND network_id IS NULL AND role = 'admin')
    OR (institution_id IS NULL AND network_id IS NOT NULL AND role IN ('manager', 'auditor'))
);
CREATE INDEX users_network_id ON users (network_id);
