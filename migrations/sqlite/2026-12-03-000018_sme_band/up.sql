-- A supplier may be an SME whose band its source did not state (a finance
-- system's or a spend file's SME flag): size band 'sme'. SQLite cannot widen
-- a CHECK in place, so the table is rebuilt by SQLite's own procedure
-- (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off
-- outside a transaction, then create, copy, drop, rename, the indexes and
-- triggers made again, and the foreign keys checked, all in one transaction.
-- metadata.toml runs this file outside diesel's own transaction for that.
-- Keep in step with migrations/postgres/2026-12-03-000018_sme_band/up.sql.

PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE suppliers_widened (
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
    override_place TEXT,
    override_justification TEXT,
    legal_form TEXT,
    size_band TEXT CHECK (size_band IN ('micro', 'small', 'medium', 'sme', 'large')),
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
INSERT INTO suppliers_widened SELECT * FROM suppliers;
CREATE TEMP TABLE suppliers_sequence AS
    SELECT seq FROM sqlite_sequence WHERE name = 'suppliers';
DROP TABLE suppliers;
ALTER TABLE suppliers_widened RENAME TO suppliers;
UPDATE sqlite_sequence
SET seq = max(seq, coalesce((SELECT seq FROM temp.suppliers_sequence), 0))
WHERE name = 'suppliers';
DROP TABLE temp.suppliers_sequence;

CREATE INDEX suppliers_normalised_name ON suppliers (normalised_name);
CREATE INDEX suppliers_match_key ON suppliers (match_key);
CREATE INDEX suppliers_company_number ON suppliers (company_number);

CREATE TRIGGER suppliers_queue_location_on_insert AFTER INSERT ON suppliers
BEGIN
    INSERT OR IGNORE INTO supplier_location_queue (supplier_id) VALUES (NEW.id);
END;

CREATE TRIGGER suppliers_queue_location_on_update AFTER UPDATE ON suppliers
BEGIN
    INSERT OR IGNORE INTO supplier_location_queue (supplier_id) VALUES (NEW.id);
END;

CREATE TRIGGER suppliers_text_bounds_insert BEFORE INSERT ON suppliers
WHEN length(NEW.name) > 300 OR length(NEW.legal_form) > 200
BEGIN
    SELECT RAISE(ABORT, 'a supplier text field is longer than its limit');
END;

CREATE TRIGGER suppliers_text_bounds_update BEFORE UPDATE ON suppliers
WHEN length(NEW.name) > 300 OR length(NEW.legal_form) > 200
BEGIN
    SELECT RAISE(ABORT, 'a supplier text field is longer than its limit');
END;

COMMIT;
PRAGMA foreign_keys = ON;
