//! Admin pages: institutions, networks, users and the audit log.

pub mod areas;
pub mod audit;
pub mod erasure;
pub mod geography;
pub mod institutions;
pub mod networks;
pub mod references;
pub mod users;
