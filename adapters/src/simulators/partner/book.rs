//! The simulated partner's books: plans, their accounts, every money movement and the
//! idempotency records that make a repeated key answer its first outcome. Plain data
//! behind one lock, no I/O, so what a request does is decided in one place and the
//! handle can read and adjust the same state directly.
//!
//! Rules it keeps, as a real partner must:
//!
//! * one plan per opening key, one outcome per money key: the same key with the same
//!   request answers the first answer and moves nothing; with another plan, amount or
//!   kind it is refused ([`BookRefusal::KeyReused`]);
//! * a debit needs an open plan (else `ACCOUNT_CLOSED`) and enough balance (else
//!   `INSUFFICIENT_FUNDS`); both failures are movements too and appear in statements;
//!   an unknown plan is `REJECTED` and moves nothing;
//! * every movement and every state change raises the plan's `sequence`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use crate::platforms::messages::{
    CollectOutcome, MovementStatus, OpenPlanRequest, PlanState, PlanStatus, Product, Statement,
    StatementLine,
};

use super::statements::Tampering;

/// Which endpoint moved the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementKind {
    /// `/v1/collects`: one installment.
    Collect,
    /// `/v1/prepayments`: principal repaid early.
    Prepayment,
}

/// One attempt to move money that reached a plan's account, as the partner records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// The partner's reference (`PAY-000001`), failed attempts included.
    pub reference: String,
    /// The key the request carried.
    pub idempotency_key: String,
    /// Collect or prepayment.
    pub kind: MovementKind,
    /// The plan debited.
    pub plan_ref: String,
    /// The amount asked, in fen.
    pub amount_fen: i64,
    /// What the request came to.
    pub outcome: CollectOutcome,
    /// The plan's sequence after this movement (its payment callback carries it).
    pub sequence: i64,
    /// When, on the simulator's clock.
    pub occurred_at: DateTime<Utc>,
}

impl Movement {
    /// Whether the money moved.
    pub fn status(&self) -> MovementStatus {
        match self.outcome {
            CollectOutcome::Succeeded { .. } => MovementStatus::Succeeded,
            _ => MovementStatus::Failed,
        }
    }
}

/// Why the partner refused a request outright (an HTTP error, not an outcome).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookRefusal {
    /// No product of the catalogue serves it (422 `not_offered`).
    #[error("{0}")]
    NotOffered(String),
    /// The idempotency key was used for another request (409 `idempotency_key_reused`).
    #[error("{0}")]
    KeyReused(String),
    /// No such plan (404 `unknown_plan`).
    #[error("no plan {0}")]
    UnknownPlan(String),
    /// The plan cannot change that way any more (409 `plan_closed`).
    #[error("{0}")]
    PlanEnded(String),
    /// The amount is not more than zero (400 `invalid_amount`).
    #[error("the amount must be more than zero fen, not {0}")]
    InvalidAmount(i64),
}

#[derive(Debug)]
struct Plan {
    status: PlanStatus,
    request: OpenPlanRequest,
    balance_fen: i64,
}

#[derive(Debug)]
struct MoneyRecord {
    kind: MovementKind,
    plan_ref: String,
    amount_fen: i64,
    outcome: CollectOutcome,
}

/// The books.
#[derive(Debug)]
pub(super) struct Book {
    prefix: String,
    products: Vec<Product>,
    initial_balance_fen: i64,
    plans: BTreeMap<String, Plan>,
    plan_keys: HashMap<String, String>,
    money_keys: HashMap<String, MoneyRecord>,
    movements: Vec<Movement>,
    tampering: Tampering,
}

impl Book {
    /// Empty books for the partner `code` selling `products`.
    pub(super) fn new(code: &str, products: Vec<Product>, initial_balance_fen: i64) -> Self {
        let initials: String = code
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter_map(|word| word.chars().next())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        Self {
            prefix: if initials.is_empty() {
                "P".into()
            } else {
                initials
            },
            products,
            initial_balance_fen,
            plans: BTreeMap::new(),
            plan_keys: HashMap::new(),
            money_keys: HashMap::new(),
            movements: Vec::new(),
            tampering: Tampering::default(),
        }
    }

    /// The catalogue.
    pub(super) fn products(&self) -> &[Product] {
        &self.products
    }

    /// Opens a plan once per key. The product must offer the frequency, the term and the
    /// amount, and the agreed rate must lie within one of its grades' ranges.
    pub(super) fn open_plan(
        &mut self,
        request: &OpenPlanRequest,
    ) -> Result<PlanStatus, BookRefusal> {
        if let Some(plan_ref) = self.plan_keys.get(&request.idempotency_key) {
            let plan = self
                .plans
                .get(plan_ref)
                .ok_or_else(|| BookRefusal::UnknownPlan(plan_ref.clone()))?;
            if plan.request != *request {
                return Err(BookRefusal::KeyReused(format!(
                    "the key {} opened {plan_ref} with other terms",
                    request.idempotency_key
                )));
            }
            return Ok(plan.status.clone());
        }
        self.check_offered(request)?;
        let plan_ref = format!("{}-{:06}", self.prefix, self.plans.len() + 1);
        let status = PlanStatus {
            plan_ref: plan_ref.clone(),
            state: PlanState::Active,
            sequence: 1,
        };
        self.plans.insert(
            plan_ref.clone(),
            Plan {
                status: status.clone(),
                request: request.clone(),
                balance_fen: self.initial_balance_fen,
            },
        );
        self.plan_keys
            .insert(request.idempotency_key.clone(), plan_ref);
        Ok(status)
    }

    fn check_offered(&self, request: &OpenPlanRequest) -> Result<(), BookRefusal> {
        let product = self
            .products
            .iter()
            .find(|p| p.code == request.product_code)
            .ok_or_else(|| {
                BookRefusal::NotOffered(format!("no product {}", request.product_code))
            })?;
        let refuse = |why: String| Err(BookRefusal::NotOffered(why));
        if !product.frequencies.contains(&request.frequency)
            || !product.terms.contains(&request.periods)
        {
            return refuse(format!(
                "{} does not offer {} installments {:?}",
                product.name, request.periods, request.frequency
            ));
        }
        if request.amount_fen < product.min_amount_fen
            || request.amount_fen > product.max_amount_fen
        {
            return refuse(format!(
                "{} does not lend {} fen",
                product.name, request.amount_fen
            ));
        }
        let agreed = request
            .pricing
            .period_fee_rate
            .unwrap_or(request.pricing.annual_rate);
        if request.pricing.method != product.method
            || !product
                .pricing
                .iter()
                .any(|g| g.min_rate <= agreed && agreed <= g.max_rate)
        {
            return refuse(format!("{} is not sold at {agreed}", product.name));
        }
        Ok(())
    }

    /// A plan's status.
    pub(super) fn plan(&self, plan_ref: &str) -> Result<PlanStatus, BookRefusal> {
        self.plans
            .get(plan_ref)
            .map(|p| p.status.clone())
            .ok_or_else(|| BookRefusal::UnknownPlan(plan_ref.to_owned()))
    }

    /// Moves a plan to `state`, raising its sequence; `None` when it is already there
    /// (cancelling twice ends the same plan).
    pub(super) fn change_state(
        &mut self,
        plan_ref: &str,
        state: PlanState,
    ) -> Result<Option<PlanStatus>, BookRefusal> {
        let plan = self
            .plans
            .get_mut(plan_ref)
            .ok_or_else(|| BookRefusal::UnknownPlan(plan_ref.to_owned()))?;
        if plan.status.state == state {
            return Ok(None);
        }
        plan.status.state = state;
        plan.status.sequence += 1;
        Ok(Some(plan.status.clone()))
    }

    /// Cancels a running plan; a plan already cancelled answers as it is, one that ended
    /// otherwise is refused.
    pub(super) fn cancel(&mut self, plan_ref: &str) -> Result<(PlanStatus, bool), BookRefusal> {
        let current = self.plan(plan_ref)?;
        match current.state {
            PlanState::Cancelled => Ok((current, false)),
            PlanState::Closed | PlanState::Defaulted => Err(BookRefusal::PlanEnded(format!(
                "{plan_ref} is {} and cannot be cancelled",
                current.state.as_str()
            ))),
            PlanState::Pending | PlanState::Active => {
                let changed = self.change_state(plan_ref, PlanState::Cancelled)?;
                Ok((changed.unwrap_or(current), true))
            }
        }
    }

    /// Debits a plan once per key: the outcome, and the movement when this request made
    /// one (a repeated key or an unknown plan makes none).
    pub(super) fn move_money(
        &mut self,
        kind: MovementKind,
        key: &str,
        plan_ref: &str,
        amount_fen: i64,
        now: DateTime<Utc>,
    ) -> Result<(CollectOutcome, Option<Movement>), BookRefusal> {
        if amount_fen <= 0 {
            return Err(BookRefusal::InvalidAmount(amount_fen));
        }
        if let Some(first) = self.money_keys.get(key) {
            if first.kind != kind || first.plan_ref != plan_ref || first.amount_fen != amount_fen {
                return Err(BookRefusal::KeyReused(format!(
                    "the key {key} was used for {:?} of {} fen on {}",
                    first.kind, first.amount_fen, first.plan_ref
                )));
            }
            return Ok((first.outcome.clone(), None));
        }
        let (outcome, movement) = self.attempt(kind, key, plan_ref, amount_fen, now);
        self.money_keys.insert(
            key.to_owned(),
            MoneyRecord {
                kind,
                plan_ref: plan_ref.to_owned(),
                amount_fen,
                outcome: outcome.clone(),
            },
        );
        Ok((outcome, movement))
    }

    fn attempt(
        &mut self,
        kind: MovementKind,
        key: &str,
        plan_ref: &str,
        amount_fen: i64,
        now: DateTime<Utc>,
    ) -> (CollectOutcome, Option<Movement>) {
        let reference = format!("PAY-{:06}", self.movements.len() + 1);
        let paid = self.paid_installments(plan_ref);
        let Some(plan) = self.plans.get_mut(plan_ref) else {
            let reason = format!("no plan {plan_ref}");
            return (CollectOutcome::Rejected { reason }, None);
        };
        if kind == MovementKind::Prepayment
            && let Some(product) = self
                .products
                .iter()
                .find(|p| p.code == plan.request.product_code)
            && (!product.prepayment.allowed || paid < product.prepayment.min_periods_paid)
        {
            let reason = format!(
                "{} allows early repayment after {} paid installments ({paid} paid)",
                product.name, product.prepayment.min_periods_paid
            );
            return (CollectOutcome::Rejected { reason }, None);
        }
        let outcome = if !matches!(plan.status.state, PlanState::Active | PlanState::Pending) {
            CollectOutcome::AccountClosed
        } else if plan.balance_fen < amount_fen {
            CollectOutcome::InsufficientFunds
        } else {
            plan.balance_fen -= amount_fen;
            CollectOutcome::Succeeded {
                reference: reference.clone(),
            }
        };
        plan.status.sequence += 1;
        let movement = Movement {
            reference,
            idempotency_key: key.to_owned(),
            kind,
            plan_ref: plan_ref.to_owned(),
            amount_fen,
            outcome: outcome.clone(),
            sequence: plan.status.sequence,
            occurred_at: now,
        };
        self.movements.push(movement.clone());
        (outcome, Some(movement))
    }

    fn paid_installments(&self, plan_ref: &str) -> u32 {
        let paid = self.movements.iter().filter(|m| {
            m.plan_ref == plan_ref
                && m.kind == MovementKind::Collect
                && m.status() == MovementStatus::Succeeded
        });
        u32::try_from(paid.count()).unwrap_or(u32::MAX)
    }

    /// Every movement so far, oldest first.
    pub(super) fn movements(&self) -> &[Movement] {
        &self.movements
    }

    /// The fen that actually left `plan_ref`'s account.
    pub(super) fn moved_fen(&self, plan_ref: &str) -> i64 {
        self.movements
            .iter()
            .filter(|m| m.plan_ref == plan_ref && m.status() == MovementStatus::Succeeded)
            .map(|m| m.amount_fen)
            .sum()
    }

    /// A plan's account balance.
    pub(super) fn balance(&self, plan_ref: &str) -> Option<i64> {
        self.plans.get(plan_ref).map(|p| p.balance_fen)
    }

    /// Sets a plan's account balance; false for an unknown plan.
    pub(super) fn set_balance(&mut self, plan_ref: &str, fen: i64) -> bool {
        self.plans
            .get_mut(plan_ref)
            .map(|p| p.balance_fen = fen)
            .is_some()
    }

    /// The mismatches planted in its statements, to plant more.
    pub(super) fn tampering(&mut self) -> &mut Tampering {
        &mut self.tampering
    }

    /// The statement of `date` (UTC) as the partner reports it, mismatches included.
    pub(super) fn statement(&self, date: NaiveDate) -> Statement {
        let true_lines = self.movements.iter().map(|m| StatementLine {
            reference: m.reference.clone(),
            plan_ref: m.plan_ref.clone(),
            amount_fen: m.amount_fen,
            status: m.status(),
            occurred_at: m.occurred_at,
        });
        self.tampering.statement(true_lines, date)
    }
}
