//! What a bureau tells us: the facts the risk assessment weighs.

use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};

/// One person's credit record as a bureau reported it at `reported_at`.
///
/// Only facts, no judgement: grading them is the risk policy's job in `domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditReport {
    /// The bureau's score on the 300–900 scale; `None` when the bureau has too little
    /// history to score (a thin file), which is not the same as a bad score.
    pub score: Option<u16>,
    /// Credit accounts open now.
    pub open_accounts: u32,
    /// Delinquencies in the last 24 months.
    pub delinquencies_24m: u32,
    /// Hard inquiries by lenders in the last 6 months (credit hunger).
    pub recent_inquiries: u32,
    /// Whether an account is delinquent right now.
    pub active_delinquency: bool,
    /// Who answered: `external:<name>` for an outside bureau, [`CreditReport::INTERNAL`]
    /// for the bank's own ledger; kept with the snapshot so decisions can be traced.
    pub source: String,
    /// When the bureau produced the report; freshness is judged from it.
    pub reported_at: DateTime<Utc>,
}

impl CreditReport {
    /// The valid score range; a score outside it is a malformed answer.
    pub const SCORE_RANGE: RangeInclusive<u16> = 300..=900;

    /// The `source` of reports built from the bank's own ledger.
    pub const INTERNAL: &'static str = "internal";

    /// The `source` of reports from the external bureau called `name`.
    pub fn external_source(name: &str) -> String {
        format!("external:{name}")
    }
}
