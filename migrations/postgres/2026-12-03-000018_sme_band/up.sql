-- A supplier may be an SME whose band its source did not state (a finance
-- system's or a spend file's SME flag): size band 'sme'.
-- Keep in step with migrations/sqlite/2026-12-03-000018_sme_band/up.sql.

ALTER TABLE suppliers DROP CONSTRAINT suppliers_size_band_check;
ALTER TABLE suppliers ADD CONSTRAINT suppliers_size_band_check
    CHECK (size_band IN ('micro', 'small', 'medium', 'sme', 'large'));
