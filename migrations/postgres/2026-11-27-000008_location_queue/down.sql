DROP TABLE supplier_facts_version;
DROP TRIGGER suppliers_queue_location ON suppliers;
DROP FUNCTION queue_supplier_location();
DROP INDEX supplier_locations_release;
DROP TABLE supplier_location_queue;
