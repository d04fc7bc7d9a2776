-- A word index over the Companies House names, for near-miss names (a word
-- added, dropped, abbreviated or mistyped). SQLite's counterpart is a
-- full-text table (migrations/sqlite/2026-12-03-000015_company_names/up.sql).

CREATE INDEX companies_name_words ON companies USING gin (to_tsvector('simple', normalised_name));
