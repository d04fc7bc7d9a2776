-- Geography: reference areas, the postcode lookup (one active release at a
-- time), background jobs with progress, and versioned local-area definitions.
-- Keep in step with migrations/postgres/2026-11-27-000002_geography/up.sql.

CREATE TABLE geo_areas (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_welsh TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('district', 'county', 'combined_authority', 'region', 'country')),
    active BOOLEAN NOT NULL,
    ended_on DATE
);

CREATE TABLE geo_district_parents (
    district_code TEXT PRIMARY KEY NOT NULL,
    county_code TEXT,
    combined_authority_code TEXT,
    region_code TEXT,
    country_code TEXT NOT NULL
);

CREATE TABLE geo_successors (
    former_code TEXT PRIMARY KEY NOT NULL,
    successor_code TEXT NOT NULL,
    changed_on DATE
);

CREATE TABLE postcode_releases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    source_format TEXT NOT NULL,
    files TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('importing', 'active', 'superseded', 'failed')),
    row_count BIGINT NOT NULL DEFAULT 0,
    terminated_count BIGINT NOT NULL DEFAULT 0,
    imd_lsoa_count INTEGER,
    imported_by TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP
);

-- Rows of every release; lookups read the active release only. No foreign
-- key on release_id: checking one per row would slow bulk loads.
CREATE TABLE postcodes (
    release_id BIGINT NOT NULL,
    postcode TEXT NOT NULL,
    district_code TEXT,
    ward_code TEXT,
    lsoa_code TEXT,
    county_code TEXT,
    region_code TEXT,
    country_code TEXT,
    imd_rank INTEGER,
    terminated TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    PRIMARY KEY (release_id, postcode)
) WITHOUT ROWID;

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    total_units BIGINT NOT NULL DEFAULT 0,
    done_units BIGINT NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    institution_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

CREATE TABLE area_definitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('institution', 'network')),
    owner_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (owner_kind, owner_id, version)
);

CREATE TABLE area_tiers (
    definition_id BIGINT NOT NULL REFERENCES area_definitions (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (definition_id, position)
);

-- The areas an admin chose for a tier (districts, counties, combined
-- authorities, regions or countries) ...
CREATE TABLE area_tier_codes (
    definition_id BIGINT NOT NULL REFERENCES area_definitions (id),
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (definition_id, position, code)
);

-- ... and the districts they expanded to when the version was made,
-- cumulative over earlier tiers, frozen so old reports never change.
CREATE TABLE area_tier_districts (
    definition_id BIGINT NOT NULL REFERENCES area_definitions (id),
    position INTEGER NOT NULL,
    district_code TEXT NOT NULL,
    PRIMARY KEY (definition_id, position, district_code)
);
