-- Suppliers whose stored location must be worked out again: every insert
-- or update of a supplier queues it (a trigger, so no write path can forget),
-- and the next read of locations resolves the queue. Reports then need not
-- compare every supplier with its stored location on each request.
-- Keep in step with migrations/sqlite/2026-11-27-000008_location_queue/up.sql.

CREATE TABLE supplier_location_queue (
    supplier_id BIGINT PRIMARY KEY
);
-- Bumped whenever stored locations are worked out again (so after any
-- change to a supplier): an app instance keeps what reports need to know of
-- every supplier in memory while this is unchanged.
CREATE TABLE supplier_facts_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO supplier_facts_version (id, version) VALUES (1, 0);
-- Locations resolved against another lookup release are found by this.
CREATE INDEX supplier_locations_release ON supplier_locations (release_id);

INSERT INTO supplier_location_queue (supplier_id)
SELECT s.id FROM suppliers s LEFT JOIN supplier_locations l ON l.supplier_id = s.id
WHERE s.merged_into IS NULL AND (l.supplier_id IS NULL OR s.updated_at > l.resolved_at);

CREATE FUNCTION queue_supplier_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO supplier_location_queue (supplier_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER suppliers_queue_location AFTER INSERT OR UPDATE ON suppliers
FOR EACH ROW EXECUTE FUNCTION queue_supplier_location();
