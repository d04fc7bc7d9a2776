-- The date an invoice was received, where a file gives it (its own field:
-- never taken for the payment date).
-- Keep in step with migrations/postgres/2026-12-02-000013_received_date/up.sql.

ALTER TABLE spend_lines ADD COLUMN received_date DATE;
