//! The schedule engine: repayment plans, their APR, prepayment and late charges.
//!
//! Pure computation — no I/O, no clock, no database — over exact money ([`Money`], whole
//! fen) and rates ([`Rate`]). The flow is
//! [`LoanTermsInput`] → [`LoanTerms::new`] (every check, once) → [`quote`] (the schedule
//! from [`generate`], its totals, and its APR from [`annual_rates`], refused above the
//! legal cap). [`payoff`] and [`partial_prepayment`] work on a [`Schedule`];
//! [`LateChargePolicy`] prices lateness. `docs/schedule.md` explains the methods and the
//! conventions (rounding, due dates, APR, prepayment, late charges) with a worked example.
//!
//! [`Money`]: crate::money::Money
//! [`Rate`]: crate::rate::Rate

mod arith;

pub mod apr;
pub mod dates;
pub mod engine;
pub mod late_charge;
pub mod method;
pub mod prepayment;
pub mod quote;
pub mod terms;
pub mod terms_error;

#[cfg(test)]
mod proptests;

pub use apr::{AnnualRates, annual_rates};
pub(crate) use arith::{level_payment, present_value};
pub use dates::{first_due_date, nth_due_date};
pub use engine::{Schedule, ScheduleEntry, generate};
pub use late_charge::{LateChargeError, LateChargePolicy, daily_late_charge};
pub use method::{Frequency, RepaymentMethod};
pub use prepayment::{
    PartialPrepayment, Payoff, PrepaymentError, RecomputeMode, accrued_interest,
    partial_prepayment, payoff, prepayment_fee,
};
pub use quote::{DISCLOSED_RATE_DP, LoanQuote, disclosed_rate, quote};
pub use terms::{Limits, LoanTerms, LoanTermsInput, TermsError};
