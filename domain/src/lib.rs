//! The business of Fenqi: exact money, repayment schedules and their APR, the rules of
//! accounts, audit and risk, and the use cases that change state inside one database
//! transaction. `api` and `worker` are thin transports over this crate.

pub mod money;
pub mod rate;
pub mod schedule;
