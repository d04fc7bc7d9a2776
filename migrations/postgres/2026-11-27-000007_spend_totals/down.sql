DROP TABLE spend_totals_version;
DROP TABLE spend_totals;
