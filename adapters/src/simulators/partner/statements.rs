//! The partner's daily statements and the mismatches a test plants in them, so that
//! reconciliation can be shown to find a line we never caused, a movement left out and
//! an amount reported wrong. The books stay true; only what the statement says changes.

use std::collections::{HashMap, HashSet};

use chrono::{FixedOffset, NaiveDate};

use crate::platforms::messages::{Statement, StatementLine};

/// The mismatches planted so far.
#[derive(Debug, Default)]
pub(super) struct Tampering {
    planted: Vec<StatementLine>,
    hidden: HashSet<String>,
    altered: HashMap<String, i64>,
}

impl Tampering {
    /// Adds a line the partner never recorded.
    pub(super) fn plant(&mut self, line: StatementLine) {
        self.planted.push(line);
    }

    /// Leaves a movement out.
    pub(super) fn hide(&mut self, reference: &str) {
        self.hidden.insert(reference.to_owned());
    }

    /// Reports another amount for a movement.
    pub(super) fn alter(&mut self, reference: &str, fen: i64) {
        self.altered.insert(reference.to_owned(), fen);
    }

    /// The statement of `date` from the true lines of every movement (succeeded or
    /// failed): those whose date it is in China Standard Time (UTC+8, the calendar a
    /// Chinese partner keeps its books in, and the bank's default time zone), plus the planted lines of that date, with
    /// hidden ones left out and altered amounts reported, in time order.
    pub(super) fn statement(
        &self,
        true_lines: impl Iterator<Item = StatementLine>,
        date: NaiveDate,
    ) -> Statement {
        let recorded = true_lines
            .filter(|line| !self.hidden.contains(&line.reference))
            .map(|mut line| {
                if let Some(fen) = self.altered.get(&line.reference) {
                    line.amount_fen = *fen;
                }
                line
            });
        let mut lines: Vec<StatementLine> = recorded
            .chain(self.planted.iter().cloned())
            .filter(|line| line.occurred_at.with_timezone(&CHINA).date_naive() == date)
            .collect();
        lines.sort_by_key(|line| line.occurred_at);
        Statement { date, lines }
    }
}

/// China Standard Time: UTC+8 all year (no daylight saving); checked when compiled.
const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};
