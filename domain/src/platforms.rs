//! Stage 2's platforms: the registry of the bank's own ledger and its partners
//! ([`registry`]), the adapters built from it ([`directory`]), what each discloses and the
//! customer's consent to it ([`disclosure`]), the ranking of platforms for one application
//! (`recommend.rs`), selecting one (`select.rs`), partners' callbacks (`callbacks.rs`) and
//! the daily reconciliation of their statements (`reconcile.rs`).

mod callbacks;
pub mod defaults;
pub mod directory;
pub mod disclosure;
pub(crate) mod recommend;
mod reconcile;
pub mod registry;
mod select;
mod staff_note;

pub use callbacks::{CallbackReceipt, CallbackRefusal, EventView};
pub use directory::PlatformDirectory;
pub use disclosure::DisclosureView;
pub use recommend::{PlatformQuote, Recommendation};
pub(crate) use recommend::{plan_frequency, repayment_method};
pub use reconcile::{MismatchView, RECONCILE_PLATFORMS, ReconciliationReportView};
pub use registry::{PlatformInput, PlatformView};
pub use select::DISCLOSURE_PURPOSE;

/// The platform port's message types (products, prices, callbacks), which the transports
/// shape for clients and partners.
pub use adapters::platforms as port;

/// The headers a partner signs its callbacks with (docs/platforms.md).
pub use adapters::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Whose books a platform's plans live in.
pub use entities::installment_platform::PlatformKind;
