-- A line that is a supplier's total for a period (a file of totals per
-- supplier, or a line file whose dates were lost, imported for a period the
-- clerk stated) carries its period as an ISO 8601 interval such as
-- 2021-04-01/2022-03-31; its payment date is the period's last day. NULL for
-- a dated payment.
-- Keep in step with migrations/postgres/2026-12-02-000012_period_totals/up.sql.

ALTER TABLE spend_lines ADD COLUMN period TEXT;
