//! The **CreditBureau port**: how the bank learns a person's credit record.
//!
//! The needs analysis (stage 1) must weigh a customer's credit history, but where that
//! history comes from is not the business's concern: an external bureau over signed HTTP
//! ([`http::HttpCreditBureau`]), or the bank's own ledger for customers it already knows
//! ([`internal::InternalCreditBureau`]). Each source is one implementation of the
//! [`CreditBureau`] trait, speaking the same domain message types ([`CreditQuery`] in,
//! [`CreditReport`] or [`BureauError`] out); wire formats stay inside each implementation.
//!
//! Layout, one job per file:
//! * `query.rs` — what we ask ([`CreditQuery`], with a Debug that masks the ID number);
//! * `report.rs` — what we get back ([`CreditReport`]);
//! * `error.rs` — how asking can fail ([`BureauError`]) and whether a retry may help;
//! * `http.rs` + `http/` — an external bureau over signed HTTP, with its own wire format;
//! * `internal.rs` — the bank's own ledger: its plans and their repayments.

use std::fmt::Debug;

use async_trait::async_trait;

mod error;
pub mod http;
pub mod internal;
mod query;
mod report;

pub use error::BureauError;
pub use query::{CreditQuery, mask_id_number};
pub use report::CreditReport;

/// A source of credit reports. Implementations are shared across requests (hence
/// `Send + Sync`) and appear in the platform's Debug output (hence `Debug`, which must
/// never show secrets).
#[async_trait]
pub trait CreditBureau: Send + Sync + Debug {
    /// A short, stable name for logs and for the report's `source` (e.g. `bureau`, giving
    /// `external:bureau`).
    fn name(&self) -> &str;

    /// Fetches the current credit report for the person in `query`. Each call is one
    /// inquiry at the bureau (which may be visible on the person's record), so callers
    /// should reuse a fresh report rather than ask again.
    async fn fetch(&self, query: &CreditQuery) -> Result<CreditReport, BureauError>;

    /// True when the bureau finds the person by the ID number in the query (external
    /// bureaus). Then the bank must have verified that the ID number belongs to the
    /// customer, or a customer could pull a stranger's report by typing their number.
    fn identifies_by_id_number(&self) -> bool {
        true
    }
}
