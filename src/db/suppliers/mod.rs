//! The supplier register. Every write records which groups of fields changed,
//! where the new values came from and who set them (provenance), and an audit
//! row, in one transaction.

mod bulk_create;
mod merge;
mod register;
mod search;

pub use bulk_create::*;
pub use merge::*;
pub use register::*;
pub use search::*;
