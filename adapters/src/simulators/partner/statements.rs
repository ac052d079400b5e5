//! The partner's daily statements and the mismatches a test plants in them, so that
//! reconciliation can be shown to find a line we never caused, a movement left out and
//! an amount reported wrong. The books stay true; only what the statement says changes.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::platforms::messages::{Statement, StatementLine};

use super::book::Movement;

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

    /// The statement of `date`: every movement whose UTC date it is, succeeded or failed,
    /// plus the planted lines of that date, with hidden ones left out and altered
    /// amounts reported, in time order.
    pub(super) fn statement(&self, movements: &[Movement], date: NaiveDate) -> Statement {
        let recorded = movements
            .iter()
            .filter(|m| !self.hidden.contains(&m.reference))
            .map(|m| StatementLine {
                reference: m.reference.clone(),
                plan_ref: m.plan_ref.clone(),
                amount_fen: self
                    .altered
                    .get(&m.reference)
                    .copied()
                    .unwrap_or(m.amount_fen),
                status: m.status(),
                occurred_at: m.occurred_at,
            });
        let mut lines: Vec<StatementLine> = recorded
            .chain(self.planted.iter().cloned())
            .filter(|line| line.occurred_at.date_naive() == date)
            .collect();
        lines.sort_by_key(|line| line.occurred_at);
        Statement { date, lines }
    }
}
