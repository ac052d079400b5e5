//! The use cases behind scheduled and queued work, and the ledger that makes each run
//! happen at most once per key whatever the queue does (retries, duplicates, restarts).

pub mod ledger;
pub mod retention;
pub mod sessions;

pub use ledger::RunOutcome;
