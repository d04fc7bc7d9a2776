-- Spend lines: what each institution paid, to whom, when and for what.
-- Whether a line is influenceable follows from its payment type by each
-- institution's rules (payment_type_rules; the defaults are in the code).
-- Keep in step with migrations/postgres/2026-11-27-000004_spend/up.sql.

CREATE TABLE spend_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    payment_date DATE NOT NULL,
    invoice_date DATE,
    amount_pence BIGINT NOT NULL,
    irrecoverable_vat_pence BIGINT,
    vat_basis TEXT NOT NULL DEFAULT 'net' CHECK (vat_basis IN ('net', 'gross', 'unknown')),
    supplier_id BIGINT REFERENCES suppliers (id),
    supplier_name TEXT NOT NULL,
    redacted BOOLEAN NOT NULL DEFAULT FALSE,
    transaction_ref TEXT,
    invoice_ref TEXT,
    line_ref TEXT,
    department TEXT,
    expense_type TEXT,
    expense_code TEXT,
    category TEXT,
    description TEXT,
    capital_revenue TEXT CHECK (capital_revenue IN ('capital', 'revenue')),
    purchase_card BOOLEAN NOT NULL DEFAULT FALSE,
    payment_type TEXT NOT NULL DEFAULT 'procurement'
        CHECK (payment_type IN ('procurement', 'grant', 'public_body', 'tax_payroll', 'individual', 'refund', 'financing', 'other')),
    import_batch_id BIGINT,
    import_row BIGINT,
    entered_by BIGINT,
    deleted_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX spend_lines_institution_date ON spend_lines (institution_id, payment_date);
CREATE INDEX spend_lines_supplier ON spend_lines (supplier_id);

-- An institution's own choice of which payment types are influenceable,
-- where it differs from the default.
CREATE TABLE payment_type_rules (
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    payment_type TEXT NOT NULL,
    influenceable BOOLEAN NOT NULL,
    PRIMARY KEY (institution_id, payment_type)
);
