DROP INDEX IF EXISTS companies_name_words;
