//! sea-orm models, one file per table. These are storage shapes only: the rules that give
//! the columns their meaning (money in fen, instants in epoch milliseconds, encrypted
//! personal data) live in `domain`.

pub mod account;
pub mod audit_entry;
pub mod audit_head;
pub mod job_run;
pub mod login_throttle;
pub mod session;
