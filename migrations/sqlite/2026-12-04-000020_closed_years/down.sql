DROP TABLE closed_years;
