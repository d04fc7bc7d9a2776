DROP TABLE import_rows_left_out;
