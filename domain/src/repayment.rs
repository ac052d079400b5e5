//! Stage 5: repayment. The pure engine ([`engine`]: late charges, allocation, retries,
//! buckets, progress) and the use cases beside it: close of business finds what falls due
//! and makes one debit attempt per installment (`cob.rs`), each attempt collects through
//! the plan's platform and posts at most once (`debit.rs`), and the reads of plans and
//! their progress (`reads.rs`); the customer pays now under an idempotency key
//! (`pay.rs`).

mod cob;
mod debit;
mod debit_group;
mod demo_clock;
mod early;
pub mod engine;
mod pay;
mod reads;
mod reminders;
mod store;
mod updates;
pub mod versions;

pub use cob::CloseOfBusiness;
pub use debit::DebitOutcome;
pub use demo_clock::ClockAdvance;
pub use early::{PrepayRequest, PrepaymentQuote};
pub use pay::{PayRequest, PaymentReceipt};
pub use reads::{EntryView, PaymentView, PlanFilter, PlanView};
