-- The register's text fields bounded in the schema too (the domain parse
-- bounds them on every entry path): a supplier's name is shown on every page
-- that names it. SQLite cannot add a CHECK to an existing table without
-- rebuilding it, so triggers refuse what the CHECK would. Spend lines are
-- bounded by the parse only on SQLite: a trigger per imported line would cost
-- the bulk load; PostgreSQL checks them too.
CREATE TRIGGER suppliers_text_bounds_insert BEFORE INSERT ON suppliers
WHEN length(NEW.name) > 300 OR length(NEW.legal_form) > 200
BEGIN
    SELECT RAISE(ABORT, 'a supplier text field is longer than its limit');
END;

CREATE TRIGGER suppliers_text_bounds_update BEFORE UPDATE ON suppliers
WHEN length(NEW.name) > 300 OR length(NEW.legal_form) > 200
BEGIN
    SELECT RAISE(ABORT, 'a supplier text field is longer than its limit');
END;

CREATE TRIGGER supplier_aliases_text_bounds BEFORE INSERT ON supplier_aliases
WHEN length(NEW.name) > 300
BEGIN
    SELECT RAISE(ABORT, 'a supplier name is longer than its limit');
END;

CREATE TRIGGER supplier_provenance_text_bounds BEFORE INSERT ON supplier_provenance
WHEN length(NEW.evidence) > 2000
BEGIN
    SELECT RAISE(ABORT, 'an evidence note is longer than its limit');
END;
