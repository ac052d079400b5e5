//! The risk rules: a versioned, explainable [`RiskPolicy`] and the pure [`assess`]ment of a
//! customer against it.
//!
//! Nothing here touches a database, a clock or the network: the same policy and the same
//! inputs always give the same outcome, to the fen and the tenth of a point, so that an
//! assessment kept with its policy version and inputs can be reproduced and explained
//! years later. The use case that gathers the inputs, picks the active policy version and
//! keeps the outcome is `crate::assessment`; the rules, the scoring formula and the
//! default policy are described in `docs/risk.md`.
//!
//! Every figure is exact (`rust_decimal`, money as [`crate::money::Money`]); no input, however
//! odd (zero income, negative amounts, `i64::MAX` fen), makes [`assess`] panic.

mod assess;
mod inputs;
mod outcome;
mod policy;
pub(crate) mod text;

#[cfg(test)]
mod tests;

pub use assess::assess;
pub use inputs::{CreditFacts, RequestedLoan, RiskInputs};
pub use outcome::{Decision, Effect, Reason, RiskOutcome};
pub use policy::{
    AffordabilityLimits, DeclineRules, FactorWeights, Grade, GradeBand, GradeEAction,
    MAX_ANNUAL_RATE, MAX_TERM_MONTHS, RateRange, ReferRules, RiskPolicy, ScoringParams,
};
