-- Targets a manager sets for the local share: per institution or network,
-- financial year (named by its first calendar year) and tier position, in
-- basis points (1/100 of a percent).
-- Keep in step with migrations/sqlite/2026-11-27-000006_targets/up.sql.

CREATE TABLE report_targets (
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('institution', 'network')),
    owner_id BIGINT NOT NULL,
    fy INTEGER NOT NULL,
    tier_position INTEGER NOT NULL,
    target_bp BIGINT NOT NULL CHECK (target_bp BETWEEN 0 AND 10000),
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, fy, tier_position)
);
