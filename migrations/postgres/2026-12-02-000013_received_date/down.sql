ALTER TABLE spend_lines DROP COLUMN received_date;
