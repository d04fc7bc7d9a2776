DROP TABLE spend_totals;
