DROP TABLE payment_type_rules;
DROP TABLE spend_lines;
