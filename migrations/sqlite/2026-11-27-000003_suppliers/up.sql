-- The supplier register: one row per real organisation, shared by every
-- institution, with its name variants, each institution's own ids, its
-- classification and where each part of that classification came from.
-- Keep in step with migrations/postgres/2026-11-27-000003_suppliers/up.sql.

CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    normalised_name TEXT NOT NULL,
    match_key TEXT NOT NULL,
    company_number TEXT,
    charity_number TEXT,
    vat_number TEXT,
    postcode_registered TEXT,
    postcode_branch TEXT,
    postcode_invoice TEXT,
    location_basis TEXT NOT NULL DEFAULT 'registered_office'
        CHECK (location_basis IN ('registered_office', 'branch', 'invoice')),
    -- A person's decision overriding the postcode: a district code, or
    -- 'outside_uk'; always with its justification.
    override_place TEXT,
    override_justification TEXT,
    legal_form TEXT,
    size_band TEXT CHECK (size_band IN ('micro', 'small', 'medium', 'large')),
    size_definition TEXT,
    employees BIGINT,
    turnover_pence BIGINT,
    is_vcse BOOLEAN NOT NULL DEFAULT FALSE,
    is_charity BOOLEAN NOT NULL DEFAULT FALSE,
    is_cic BOOLEAN NOT NULL DEFAULT FALSE,
    is_cooperative BOOLEAN NOT NULL DEFAULT FALSE,
    is_employee_owned BOOLEAN NOT NULL DEFAULT FALSE,
    is_social_enterprise BOOLEAN NOT NULL DEFAULT FALSE,
    is_public_body BOOLEAN NOT NULL DEFAULT FALSE,
    sic_codes TEXT NOT NULL DEFAULT '',
    living_wage TEXT NOT NULL DEFAULT 'unknown' CHECK (living_wage IN ('yes', 'no', 'unknown')),
    dissolved BOOLEAN NOT NULL DEFAULT FALSE,
    merged_into BIGINT REFERENCES suppliers (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX suppliers_normalised_name ON suppliers (normalised_name);
CREATE INDEX suppliers_match_key ON suppliers (match_key);
CREATE INDEX suppliers_company_number ON suppliers (company_number);

-- Names the supplier has been published under.
CREATE TABLE supplier_aliases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    supplier_id BIGINT NOT NULL REFERENCES suppliers (id),
    name TEXT NOT NULL,
    normalised_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (supplier_id, name)
);
CREATE INDEX supplier_aliases_normalised ON supplier_aliases (normalised_name);

-- Each institution's own supplier ids from its finance system.
CREATE TABLE supplier_external_ids (
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    external_id TEXT NOT NULL,
    supplier_id BIGINT NOT NULL REFERENCES suppliers (id),
    PRIMARY KEY (institution_id, external_id)
);

-- Where each part of a classification came from; the newest row per field
-- is current, older rows are its history.
CREATE TABLE supplier_provenance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    supplier_id BIGINT NOT NULL REFERENCES suppliers (id),
    field TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('companies_house', 'charity_register', 'self_declaration', 'clerk', 'import', 'rule')),
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    evidence TEXT NOT NULL DEFAULT ''
);
CREATE INDEX supplier_provenance_supplier ON supplier_provenance (supplier_id, field);

-- Where each supplier is, resolved from its postcodes (or manual location)
-- through the postcode lookup: derived data, refreshed whenever the
-- supplier changed after it was resolved or a newer lookup release is in
-- use. Tiers are not stored: they depend on each institution's definition.
CREATE TABLE supplier_locations (
    supplier_id BIGINT PRIMARY KEY NOT NULL REFERENCES suppliers (id),
    release_id BIGINT,
    postcode TEXT,
    district_code TEXT,
    former_district_code TEXT,
    ward_code TEXT,
    lsoa_code TEXT,
    region_code TEXT,
    country_code TEXT,
    imd_rank INTEGER,
    imd_decile INTEGER,
    terminated TEXT,
    manual BOOLEAN NOT NULL,
    outside_uk BOOLEAN NOT NULL,
    unknown_reason TEXT,
    resolved_at TIMESTAMP NOT NULL
);
CREATE INDEX supplier_locations_district ON supplier_locations (district_code);

-- Merges, kept so an admin can undo one exactly.
CREATE TABLE supplier_merges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kept_id BIGINT NOT NULL REFERENCES suppliers (id),
    merged_id BIGINT NOT NULL REFERENCES suppliers (id),
    moved_aliases TEXT NOT NULL,
    moved_external_ids TEXT NOT NULL,
    merged_by TEXT NOT NULL,
    merged_at TIMESTAMP NOT NULL,
    undone_by TEXT,
    undone_at TIMESTAMP
);

-- The Companies House bulk file, as reference data: one release in use at
-- a time, replaced whole when a new one has loaded completely.
CREATE TABLE company_releases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('importing', 'active', 'superseded', 'failed')),
    row_count BIGINT NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP
);

CREATE TABLE companies (
    release_id BIGINT NOT NULL,
    company_number TEXT NOT NULL,
    name TEXT NOT NULL,
    normalised_name TEXT NOT NULL,
    postcode TEXT,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    account_category TEXT NOT NULL,
    sic_codes TEXT NOT NULL,
    PRIMARY KEY (release_id, company_number)
) WITHOUT ROWID;
CREATE INDEX companies_normalised_name ON companies (normalised_name, release_id);
