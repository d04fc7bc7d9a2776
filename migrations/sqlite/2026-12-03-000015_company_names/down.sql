DROP TABLE IF EXISTS company_names;
