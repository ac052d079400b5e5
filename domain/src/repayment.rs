//! Stage 5: repayment. The pure engine ([`engine`]: late charges, allocation, retries,
//! buckets, progress) and the use cases beside it: close of business finds what falls due
//! and makes one debit attempt per installment (`cob.rs`), each attempt collects through
//! the plan's platform and posts at most once (`debit.rs`), and the reads of plans and
//! their progress (`reads.rs`).

mod cob;
mod debit;
pub mod engine;
mod reads;
mod store;

pub use cob::CloseOfBusiness;
pub use debit::DebitOutcome;
pub use reads::{EntryView, PaymentView, PlanFilter, PlanView};
