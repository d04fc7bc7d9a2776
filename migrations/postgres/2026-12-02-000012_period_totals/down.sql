ALTER TABLE spend_lines DROP COLUMN period;
