DROP TABLE companies;
DROP TABLE company_releases;
DROP TABLE supplier_merges;
DROP TABLE supplier_locations;
DROP TABLE supplier_provenance;
DROP TABLE supplier_external_ids;
DROP TABLE supplier_aliases;
DROP TABLE suppliers;
