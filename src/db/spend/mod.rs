//! Spend lines: entry, edit, soft delete and restore; the ledger's filtered,
//! sorted and paged queries; the importer's bulk insert; each institution's
//! influenceable payment-type rules; and what the supplier register needs
//! (totals per supplier, the work queue's ranking).

mod by_supplier;
mod erasure;
mod ledger;
mod lines;
mod load;
mod rules;

pub use by_supplier::*;
pub use erasure::*;
pub use ledger::*;
pub use lines::*;
pub use load::*;
pub use rules::*;
