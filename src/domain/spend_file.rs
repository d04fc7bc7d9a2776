//! Spend files as councils publish them: which column holds what (by a
//! synonym table over the Transparency Code, HM Treasury and common ledger
//! layouts), what detection found out about a file and the clerk's choices
//! for reading it, one payment as read, and which rows are totals or footers
//! rather than payments.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use super::dates::DateOrder;
pub use super::encoding::Encoding;
use super::spend::PaymentType;
use super::text_enum;

text_enum! {
    /// What a column of a spend file holds.
    pub enum Field {
        PaymentDate => ("payment_date", "Payment date"),
        InvoiceDate => ("invoice_date", "Invoice date"),
        ReceivedDate => ("received_date", "Date received (of the invoice)"),
        Amount => ("amount", "Amount"),
        IrrecoverableVat => ("irrecoverable_vat", "Irrecoverable VAT"),
        SupplierName => ("supplier_name", "Supplier name"),
        SupplierRef => ("supplier_ref", "Supplier ID (the institution's own)"),
        CompanyNumber => ("company_number", "Company number"),
        CharityNumber => ("charity_number", "Charity number"),
        VatNumber => ("vat_number", "VAT registration number"),
        TransactionRef => ("transaction_ref", "Transaction number"),
        InvoiceRef => ("invoice_ref", "Invoice number"),
        LineRef => ("line_ref", "Line number (of the invoice or transaction)"),
        StatementRef => ("statement_ref", "Card statement reference"),
        Department => ("department", "Department or service area"),
        ExpenseType => ("expense_type", "Expense type"),
        ExpenseCode => ("expense_code", "Expense code"),
        Category => ("category", "Procurement or merchant category"),
        Description => ("description", "Description or purpose"),
        CapitalRevenue => ("capital_revenue", "Capital or revenue"),
        VcseFlag => ("vcse_flag", "VCSE supplier (yes or no)"),
        SmeFlag => ("sme_flag", "SME supplier (yes or no)"),
    }
}

/// Header spellings seen in published files, normalised by
/// [`normalise_header`]. The first column matching a field wins.
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::PaymentDate,
        &[
            "paymentdate",
            "date",
            "paiddate",
            "datepaid",
            "paydate",
            "transactiondate",
            "invoicepaymentdate",
            "dateofpayment",
            "postingdate",
            "transdate",
            "dateofexpenditure",
            "expendituredate",
            "paymentdt",
        ],
    ),
    (Field::InvoiceDate, &["invoicedate", "dateofinvoice"]),
    (
        Field::ReceivedDate,
        &[
            "datereceived",
            "receiveddate",
            "invoicereceiveddate",
            "invoicedatereceived",
            "datereceivedbyinstitution",
        ],
    ),
    (
        Field::Amount,
        &[
            "amount",
            "netamount",
            "amountpaid",
            "value",
            "netvalue",
            "amountgbp",
            "amountexclvat",
            "amountexvat",
            "netamountexclvat",
            "paymentamount",
            "transactionamount",
            "totalamount",
            "grossamount",
            "amountinclvat",
            "expenditure",
            "spend",
            "net",
        ],
    ),
    (
        Field::IrrecoverableVat,
        &["irrecoverablevat", "vatirrecoverable", "nonrecoverablevat"],
    ),
    (
        Field::SupplierName,
        &[
            "suppliername",
            "supplier",
            "beneficiary",
            "beneficiaryname",
            "supplierbeneficiaryname",
            "benificiaryname",
            "suppliernamet",
            "payee",
            "payeename",
            "vendor",
            "vendorname",
            "merchantname",
            "merchant",
            "creditor",
            "creditorname",
            "recipient",
            "name",
        ],
    ),
    (
        Field::SupplierRef,
        &[
            "supplierid",
            "suppliercode",
            "suppliernumber",
            "supplierno",
            "supplierref",
            "vendorid",
            "vendornumber",
            "creditorno",
            "creditornumber",
            "creditorid",
        ],
    ),
    (
        Field::CompanyNumber,
        &[
            "supplierregisteredcompanynumber",
            "companynumber",
            "companyno",
            "companyregistrationnumber",
            "registeredcompanynumber",
        ],
    ),
    (
        Field::CharityNumber,
        &[
            "supplierregisteredcharitynumber",
            "charitynumber",
            "charityno",
            "registeredcharitynumber",
        ],
    ),
    (
        Field::VatNumber,
        &[
            "vatregistrationnumber",
            "vatnumber",
            "vatno",
            "vatregno",
            "suppliervatregistrationnumber",
        ],
    ),
    (
        Field::TransactionRef,
        &[
            "transactionnumber",
            "transno",
            "transactionno",
            "transactionid",
            "transactionref",
            "transactionreference",
            "internalrefnumber",
            "paymentreference",
            "paymentref",
            "paymentnumber",
            "documentnumber",
            "docno",
            "reference",
            "ref",
        ],
    ),
    (
        Field::InvoiceRef,
        &[
            "invoicenumber",
            "invoiceno",
            "invoiceref",
            "invoicereference",
            "invoiceid",
        ],
    ),
    (
        Field::LineRef,
        &[
            "linenumber",
            "lineno",
            "lineref",
            "linereference",
            "lineid",
            "invoicelinenumber",
            "invoicelineno",
            "transactionlinenumber",
        ],
    ),
    (
        Field::StatementRef,
        &[
            "statementnumber",
            "statementno",
            "statementref",
            "statementreference",
            "statementid",
            "cardstatement",
            "cardstatementnumber",
            "cardstatementreference",
        ],
    ),
    (
        Field::Department,
        &[
            "department",
            "servicearea",
            "expensearea",
            "directorate",
            "service",
            "servicelabel",
            "servicedivision",
            "organisationalunit",
            "division",
            "portfolio",
            "costcentredescription",
            "costcentre",
        ],
    ),
    (
        Field::ExpenseType,
        &[
            "expensetype",
            "expensestype",
            "expenditurecategory",
            "expenditurecatergory",
            "expensecategory",
            "expensedescription",
            "detailedexpensetype",
            "accountdescription",
            "subjectivedescription",
            "subjective",
        ],
    ),
    (
        Field::ExpenseCode,
        &[
            "expensecode",
            "expenditurecode",
            "accountcode",
            "subjectivecode",
            "costcode",
            "glcode",
            "ledgercode",
            "nominalcode",
        ],
    ),
    (
        Field::Category,
        &[
            "merchantcategory",
            "procurementcategory",
            "procurementclassification",
            "procurementclassificationcouncilsprocurementcategoryname",
            "councilsprocurementcategoryname",
            "proclass",
            "categoryofspend",
            "spendcategory",
        ],
    ),
    (
        Field::Description,
        &[
            "description",
            "purpose",
            "purposeofspend",
            "purposeofspendsummary",
            "extendeddescription",
            "narrative",
            "details",
            "summaryofpurpose",
            "itemdescription",
            "transactiondescription",
            "linedescription",
        ],
    ),
    (
        Field::VcseFlag,
        &[
            "voluntarycommunityandsocialenterprisesupplier",
            "voluntarycommunityandsocialenterprise",
            "vcsesupplier",
            "vcse",
            "vcseflag",
            "isvcse",
        ],
    ),
    (
        Field::SmeFlag,
        &[
            "sme",
            "smeflag",
            "issme",
            "smeyn",
            "smesupplier",
            "supplierissme",
            "smestatus",
            "smallormediumenterprise",
            "smallandmediumenterprise",
            "smallormediumsizedenterprise",
            "smallandmediumsizedenterprise",
        ],
    ),
    (
        Field::CapitalRevenue,
        &[
            "capitalorrevenue",
            "capitalrevenue",
            "caporrev",
            "caprev",
            "revenueorcapital",
            "typeofexpenditure",
            "capitalrevenueindicator",
        ],
    ),
];

/// Lower-case letters and digits only: `Net Amount(£)` → `netamount`,
/// `Supplier(Beneficiary) Name` → `supplierbeneficiaryname`.
pub fn normalise_header(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The field a header names, if the synonym table knows it.
pub fn field_for_header(raw: &str) -> Option<Field> {
    let key = normalise_header(raw);
    if key.is_empty() {
        return None;
    }
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(f, _)| *f)
}

/// Proposes a mapping for a header row: each field goes to the first column
/// that names it. Returns one entry per column.
pub fn propose_mapping(headers: &[String]) -> Vec<Option<Field>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let field = field_for_header(h).filter(|f| !taken.contains(f))?;
            taken.push(field);
            Some(field)
        })
        .collect()
}

/// How a file's amounts relate to VAT, read from the amount column's header.
pub fn vat_basis_of_header(raw: &str) -> &'static str {
    let key = normalise_header(raw);
    if key.contains("gross") || key.contains("inclvat") || key.contains("incvat") {
        "gross"
    } else if key.contains("net") || key.contains("exclvat") || key.contains("exvat") {
        "net"
    } else {
        "unknown"
    }
}

/// What detection found out about a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub encoding: Encoding,
    pub has_bom: bool,
    pub line_ending: String,
    pub delimiter: u8,
    /// Row number (1-based, as a spreadsheet counts) of the header row;
    /// `None` for a file with no header.
    pub header_row: Option<u64>,
    /// One name per column: the header text, or `Column N`.
    pub headers: Vec<String>,
    /// The first few data rows, for the clerk to check the mapping against.
    pub samples: Vec<Vec<String>>,
    /// What each column's values look like over the sample.
    #[serde(default)]
    pub profiles: Vec<super::columns::ColumnProfile>,
    /// Payments come above the header row too (a header part-way down):
    /// rows above it are read, not skipped as a report heading.
    #[serde(default)]
    pub data_above_header: bool,
}

impl Layout {
    /// Lines above the header (a report preamble).
    pub fn preamble_rows(&self) -> u64 {
        if self.data_above_header {
            return 0;
        }
        self.header_row.map_or(0, |row| row - 1)
    }

    /// Rows the reader skips unread: the header and the heading above it.
    pub fn skipped_above(&self) -> u64 {
        if self.data_above_header {
            0
        } else {
            self.header_row.unwrap_or(0)
        }
    }

    /// Whether any column holds dates (as dates or spreadsheet serials): a
    /// file with none may be a file of totals for a period.
    pub fn has_date_column(&self) -> bool {
        self.profiles.iter().any(|p| p.is_dates() || p.serials > 0)
    }

    /// Why a column looks as it does ("all 2,074 values are dates").
    pub fn evidence(&self, column: usize) -> String {
        self.profiles
            .get(column)
            .map(super::columns::ColumnProfile::describe)
            .unwrap_or_default()
    }

    pub fn delimiter_label(&self) -> &'static str {
        match self.delimiter {
            b',' => "comma",
            b';' => "semicolon",
            b'\t' => "tab",
            b'|' => "vertical bar",
            _ => "other",
        }
    }

    /// Identifies the layout for a saved mapping profile: the normalised
    /// headers, or the column count of a file with no header.
    pub fn signature(&self) -> String {
        if self.header_row.is_some() {
            self.headers
                .iter()
                .map(|h| normalise_header(h))
                .collect::<Vec<_>>()
                .join("|")
        } else {
            format!("no-header:{}", self.headers.len())
        }
    }
}

/// The clerk's choices for reading a file: which column holds what, how to
/// read numeric dates, and facts the file does not state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub columns: Vec<Option<Field>>,
    pub date_order: Option<DateOrder>,
    pub purchase_card: bool,
    pub vat_basis: String,
    /// Payments dated outside this period are flagged in the preview.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// Leave out the rows that cannot be read and import the rest (each
    /// left-out row is kept with the batch, to be fixed and imported later).
    #[serde(default)]
    pub skip_unreadable: bool,
    /// Every row is a supplier's total for this period (first and last
    /// day), not a dated payment: a file of totals per supplier, or a line
    /// file whose dates were lost. Payment dates are not read.
    #[serde(default)]
    pub totals_period: Option<(NaiveDate, NaiveDate)>,
    /// Rows the preview found already on record that the clerk keeps as
    /// payments of their own (two identical card payments on two
    /// statements are two payments).
    #[serde(default)]
    pub keep_rows: Vec<u64>,
}

impl Settings {
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(field))
    }

    /// What the mapping lacks before the file can be read (a file of
    /// totals for a period needs no payment date).
    pub fn missing(&self) -> Vec<Field> {
        [Field::PaymentDate, Field::Amount, Field::SupplierName]
            .into_iter()
            .filter(|f| !(*f == Field::PaymentDate && self.totals_period.is_some()))
            .filter(|f| self.column_of(*f).is_none())
            .collect()
    }

    /// The totals period as an ISO 8601 interval, stored on each line.
    pub fn totals_interval(&self) -> Option<String> {
        self.totals_period.map(super::period::interval)
    }
}

/// One payment read from a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedLine {
    pub payment_date: NaiveDate,
    pub invoice_date: Option<NaiveDate>,
    pub received_date: Option<NaiveDate>,
    pub amount: i64,
    pub irrecoverable_vat: Option<i64>,
    pub supplier_name: String,
    pub redacted: bool,
    pub supplier_ref: Option<String>,
    pub company_number: Option<String>,
    pub charity_number: Option<String>,
    pub vat_number: Option<String>,
    pub transaction_ref: Option<String>,
    pub invoice_ref: Option<String>,
    pub line_ref: Option<String>,
    pub statement_ref: Option<String>,
    pub department: Option<String>,
    pub expense_type: Option<String>,
    pub expense_code: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    pub capital_revenue: Option<&'static str>,
    /// The file's own VCSE flag for the supplier, where it has one (a
    /// proposal for the register, never applied by the import).
    pub vcse: Option<bool>,
    /// The file's own SME flag for the supplier, likewise a proposal.
    pub sme: Option<bool>,
    /// Identifiers the row gave that fail their published pattern, left out
    /// (a warning each in the preview; the line still imports).
    pub dropped: Vec<String>,
    /// The class of payee the line's name or supplier id denotes when it
    /// names no organisation (set when the line is matched): no supplier.
    pub payee_class: Option<super::recognise::PayeeClass>,
    /// A card payment, as its supplier id or name says ("Purchase Card
    /// Supplier"), whatever the batch is.
    pub card: bool,
}

/// Whether a finance system's supplier id is a placeholder that names no
/// one supplier: all zeros, all nines, or a blank-like word.
pub fn is_placeholder_ref(raw: &str) -> bool {
    let t = raw.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    digits.is_empty()
        || digits.bytes().all(|b| b == b'0')
        || (digits.len() >= 3 && digits.bytes().all(|b| b == b'9'))
        || matches!(
            digits.to_ascii_lowercase().as_str(),
            "na" | "none" | "null" | "nil" | "unknown" | "tbc" | "various" | "misc" | "sundry"
        )
}

/// Whether a cell says its row is a total: `Total`, `Grand Total`,
/// `Sub total`, `Total for April`, `April total`.
pub fn says_total(cell: &str) -> bool {
    // Checked on every row's supplier: most never hold the word.
    if !cell
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"otal"))
    {
        return false;
    }
    let c = cell.trim().trim_end_matches(':').to_ascii_lowercase();
    // Not any name starting with the word: TOTAL GAS & POWER LTD is a
    // supplier.
    c == "total"
        || c == "totals"
        || [
            "total for ",
            "totals for ",
            "total spend",
            "total expenditure",
            "total payments",
            "total amount",
            "total value",
            "grand total",
            "sub total",
            "sub-total",
            "subtotal",
        ]
        .iter()
        .any(|p| c.starts_with(p))
        || c.ends_with(" total")
        || c.ends_with(" totals")
}

/// Whether a cell says its row is the file's grand total.
pub fn says_grand_total(cell: &str) -> bool {
    cell.trim().to_ascii_lowercase().starts_with("grand total")
}

/// Whether a row is a note rather than a payment: a copyright line, a
/// "report produced by" line, a page number, or a title.
pub fn is_note(cell: &str) -> bool {
    let c = cell.trim().to_ascii_lowercase();
    c.contains('©')
        || c.starts_with("copyright")
        || c.starts_with("(c)")
        || c.contains("produced by")
        || c.contains("report run")
        || c.contains("generated by")
        || c.contains("printed on")
        || c.starts_with("page ")
        || c.starts_with("end of report")
        || c.starts_with("source:")
        || c.starts_with("note:")
        || c.starts_with("notes:")
}

/// Whether a row without a date is a total or footer line rather than a
/// payment: nothing names a supplier, or the row says it is a total.
pub fn is_total_or_footer(cells: &[&str], supplier: &str) -> bool {
    supplier.trim().is_empty() || cells.iter().any(|c| says_total(c))
}

/// The payment type a published line most likely has, before anyone looks:
/// redacted payees are individuals, suppliers on the register as public
/// bodies are public bodies, and the expense type names grants, tax, payroll,
/// pensions and refunds.
pub fn infer_payment_type(
    redacted: bool,
    public_body: bool,
    expense_words: &[Option<&str>],
) -> PaymentType {
    if redacted {
        return PaymentType::Individual;
    }
    if public_body {
        return PaymentType::PublicBody;
    }
    let text = expense_words
        .iter()
        .flatten()
        .map(|t| t.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    let has = |w: &str| {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|t| t == w)
    };
    if has("grant") || has("grants") {
        PaymentType::Grant
    } else if has("refund") || has("refunds") {
        PaymentType::Refund
    } else if has("paye")
        || has("payroll")
        || has("pension")
        || has("pensions")
        || has("superannuation")
        || (has("national") && has("insurance"))
        || has("vat") && (has("hmrc") || has("return"))
    {
        PaymentType::TaxPayroll
    } else {
        PaymentType::Procurement
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_headers_map_to_fields() {
        for (header, field) in [
            ("Net Amount(£)", Field::Amount),
            ("Amount Paid", Field::Amount),
            ("Net Amount £", Field::Amount),
            ("Paid Date", Field::PaymentDate),
            ("paid_date", Field::PaymentDate),
            ("Invoice Payment Date", Field::PaymentDate),
            ("Trans No", Field::TransactionRef),
            ("Supplier(Beneficiary) Name", Field::SupplierName),
            ("Name:  ", Field::SupplierName),
            ("Supplier Name(T)", Field::SupplierName),
            ("Expenditure Catergory", Field::ExpenseType),
            ("Organisational Unit", Field::Department),
            ("Type of Expenditure", Field::CapitalRevenue),
            ("caporrev", Field::CapitalRevenue),
            ("Supplier Registered Company Number", Field::CompanyNumber),
            (
                "Procurement Classification: Council's Procurement Category Name",
                Field::Category,
            ),
            ("Merchant Category", Field::Category),
            ("Irrecoverable VAT", Field::IrrecoverableVat),
        ] {
            assert_eq!(field_for_header(header), Some(field), "{header}");
        }
        assert_eq!(field_for_header("Body"), None);
        assert_eq!(field_for_header(""), None);
    }

    #[test]
    fn the_first_column_naming_a_field_wins() {
        let headers: Vec<String> = ["Date", "Supplier", "Payment Date", "Amount", ""]
            .map(String::from)
            .to_vec();
        assert_eq!(
            propose_mapping(&headers),
            [
                Some(Field::PaymentDate),
                Some(Field::SupplierName),
                None,
                Some(Field::Amount),
                None
            ]
        );
    }

    #[test]
    fn vat_basis_follows_the_amount_header() {
        assert_eq!(vat_basis_of_header("Net Amount"), "net");
        assert_eq!(vat_basis_of_header("Gross Amount"), "gross");
        assert_eq!(vat_basis_of_header("Amount"), "unknown");
    }

    #[test]
    fn placeholder_supplier_ids_name_nobody() {
        for p in [
            "0", "0000000", "999999", "N/A", "-", "none", "  ", "Unknown",
        ] {
            assert!(is_placeholder_ref(p), "{p}");
        }
        for real in ["15050001", "9", "V00123", "90001"] {
            assert!(!is_placeholder_ref(real), "{real}");
        }
    }

    #[test]
    fn recognises_totals_and_footers() {
        assert!(is_total_or_footer(&["", "", "xxx", ""], ""));
        assert!(is_total_or_footer(&["Grand Total", "", "12,345.00"], "x"));
        assert!(is_total_or_footer(&["", "Total", "12,345.00"], "x"));
        assert!(!is_total_or_footer(
            &["Totally Fresh Ltd", ""],
            "Totally Fresh Ltd"
        ));
        assert!(!says_total("TOTAL GAS & POWER LTD"));
        assert!(!says_total("Total Hygiene Ltd"));
        assert!(says_total("Total for April 2021"));
        assert!(says_total("Sub-total:"));
        assert!(says_total("Directorate Total"));
    }

    #[test]
    fn infers_payment_types_from_what_the_file_says() {
        use PaymentType::*;
        assert_eq!(infer_payment_type(true, false, &[]), Individual);
        assert_eq!(
            infer_payment_type(false, true, &[Some("Materials")]),
            PublicBody
        );
        assert_eq!(
            infer_payment_type(false, false, &[Some("Grants"), None]),
            Grant
        );
        assert_eq!(
            infer_payment_type(false, false, &[Some("AR Refunds (Sundries & Periodics)")]),
            Refund
        );
        assert_eq!(
            infer_payment_type(false, false, &[Some("Pension Contributions")]),
            TaxPayroll
        );
        assert_eq!(
            infer_payment_type(false, false, &[Some("Electricity")]),
            Procurement
        );
        assert_eq!(
            infer_payment_type(false, false, &[Some("Grantham Road works")]),
            Procurement,
            "whole words only"
        );
    }
}
