-- A word index over the Companies House names in use, for near-miss names
-- (a word added, dropped, abbreviated or mistyped). Each release builds its
-- own index before it is put in use (db::companies::activate); this fills it
-- for a release already in use. PostgreSQL's counterpart is a GIN index
-- (migrations/postgres/2026-12-03-000015_company_names/up.sql).

CREATE VIRTUAL TABLE company_names USING fts5(name, number UNINDEXED, detail = none);
INSERT INTO company_names (name, number)
SELECT normalised_name, company_number FROM companies
WHERE release_id IN (SELECT id FROM company_releases WHERE status = 'active');
