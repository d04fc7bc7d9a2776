-- A card statement's reference, where a file gives it: with the transaction,
-- invoice and line references it tells apart two identical payments on two
-- statements. The line reference already has its column (line_ref).
-- Keep in step with migrations/postgres/2026-12-03-000014_statement_ref/up.sql.

ALTER TABLE spend_lines ADD COLUMN statement_ref TEXT;
