-- The Charity Commission's register of charities in England and Wales (its
-- public extract), loaded as a release as the Companies House data is: a
-- new release replaces the one in use only once it has loaded whole.
-- Keep in step with migrations/postgres/2026-12-03-000017_charities/up.sql.

CREATE TABLE charity_releases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('importing', 'active', 'superseded', 'failed')),
    row_count BIGINT NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP
);

CREATE TABLE charities (
    release_id BIGINT NOT NULL,
    charity_number TEXT NOT NULL,
    name TEXT NOT NULL,
    normalised_name TEXT NOT NULL,
    postcode TEXT,
    -- The latest income reported, in pence, where the extract gives one.
    latest_income_pence BIGINT,
    -- Registered (true) or removed from the register (false).
    registered BOOLEAN NOT NULL,
    company_number TEXT,
    PRIMARY KEY (release_id, charity_number)
) WITHOUT ROWID;
CREATE INDEX charities_normalised_name ON charities (normalised_name, release_id);
