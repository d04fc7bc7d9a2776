-- Text fields bounded in the schema too (the domain parse bounds them on
-- every entry path). NOT VALID: rows already stored are left as they are;
-- every new or changed row is checked.
ALTER TABLE suppliers ADD CONSTRAINT suppliers_text_bounds
    CHECK (char_length(name) <= 300 AND char_length(coalesce(legal_form, '')) <= 200) NOT VALID;
ALTER TABLE supplier_aliases ADD CONSTRAINT supplier_aliases_text_bounds
    CHECK (char_length(name) <= 300) NOT VALID;
ALTER TABLE supplier_provenance ADD CONSTRAINT supplier_provenance_text_bounds
    CHECK (char_length(evidence) <= 2000) NOT VALID;
ALTER TABLE spend_lines ADD CONSTRAINT spend_lines_text_bounds
    CHECK (
        char_length(supplier_name) <= 300
        AND char_length(coalesce(description, '')) <= 2000
        AND char_length(coalesce(department, '')) <= 200
        AND char_length(coalesce(expense_type, '')) <= 200
        AND char_length(coalesce(category, '')) <= 200
        AND char_length(coalesce(transaction_ref, '')) <= 100
        AND char_length(coalesce(invoice_ref, '')) <= 100
        AND char_length(coalesce(expense_code, '')) <= 100
    ) NOT VALID;
