-- Live spend totalled per institution, financial year (April to March,
-- named by its first calendar year), supplier, payment type and VAT basis.
-- Kept in the same transaction as every write to spend_lines (see
-- src/db/totals.rs), so a year's report reads a few thousand totals instead
-- of every line; where each supplier is comes from supplier_locations at
-- read time, so a reclassification shows in the next report.
-- supplier_key is the supplier's id, or 0 for payments whose payee's name
-- was withheld (a primary key column cannot be NULL). Without a row id, the
-- totals are stored in key order: a year's totals are read in one sweep.
-- Keep in step with migrations/postgres/2026-11-27-000007_spend_totals/up.sql.

CREATE TABLE spend_totals (
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    fy INTEGER NOT NULL,
    supplier_key BIGINT NOT NULL,
    payment_type TEXT NOT NULL,
    vat_basis TEXT NOT NULL,
    pence BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    PRIMARY KEY (institution_id, fy, supplier_key, payment_type, vat_basis)
) WITHOUT ROWID;
CREATE INDEX spend_totals_supplier ON spend_totals (supplier_key);
-- Totals whose last line went, cleared after each change.
CREATE INDEX spend_totals_empty ON spend_totals (institution_id) WHERE lines = 0;

-- An institution's version is bumped in the same transaction as any change
-- to its totals: an app instance keeps recently read totals in memory while
-- it is unchanged. No row yet means version 0.
CREATE TABLE spend_totals_version (
    institution_id BIGINT PRIMARY KEY REFERENCES institutions (id),
    version BIGINT NOT NULL
);

INSERT INTO spend_totals (institution_id, fy, supplier_key, payment_type, vat_basis, pence, lines)
SELECT institution_id, CAST(substr(payment_date, 1, 4) AS INTEGER) - (CASE WHEN substr(payment_date, 6, 2) < '04' THEN 1 ELSE 0 END),
    COALESCE(supplier_id, 0), payment_type, vat_basis, CAST(SUM(amount_pence) AS BIGINT), COUNT(*)
FROM spend_lines WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5;
