//! The customer pays now (`payInstallment`): what is due and overdue (or a given amount,
//! up to the next installment), collected through the plan's platform and allocated
//! oldest first, late charge before interest, fee and principal.
//!
//! Every payment carries the customer's idempotency key. The request is kept under it
//! (per account) with a digest of what was asked and, once done, the answer: a retry after
//! a lost answer replays that answer and moves no money, from any API process; the same
//! key with another request is refused with `IDEMPOTENCY_KEY_REUSED`. A request that
//! stopped half way (the process died after asking the platform) goes on where it stopped
//! when retried: the platform call carries the request's own key, and only one delivery
//! can finish the request.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use adapters::platforms::{CollectOutcome, CollectRequest, PlatformError};
use entities::plan_payment::{self, PaymentKind};
use entities::{installment_plan, installment_platform, payment_request};

use super::engine::{Installment, allocate, payoff_quote};
use super::store::{self, ACTIVE_PLAN};
use crate::auth::{Caller, Permission};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::schedule::RecomputeMode;
use crate::service::Domain;

/// What the customer asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayRequest {
    /// The plan.
    pub plan_id: Uuid,
    /// How much; none pays everything due today (or the next installment if nothing is).
    pub amount: Option<Money>,
    /// The client's key for this payment: the same key is the same payment.
    pub idempotency_key: String,
}

/// Which payment a request makes: one flow (key, amount fixed once, collect, post once)
/// for the three payment mutations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// `payInstallment`: what is due, or an amount up to the next installment.
    Pay(Option<Money>),
    /// `prepay`: principal repaid early, the rest recomputed.
    Prepay(Money, RecomputeMode),
    /// `payOff`: everything, by today's quote.
    PayOff,
}

/// The answer, kept with the request and replayed for a retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentReceipt {
    /// The plan.
    pub plan_id: Uuid,
    /// What was paid, in fen.
    pub amount_fen: i64,
    /// The installments it paid, with their share (period, fen).
    pub periods: Vec<(u32, i64)>,
    /// The platform's reference.
    pub reference: String,
    /// True when this answer is a replay of the first.
    #[serde(default)]
    pub replayed: bool,
}

/// What is kept with a request while it runs and once it is done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum Kept {
    /// Started: the amount fixed for it.
    Started { amount_fen: i64 },
    /// Paid.
    Paid(PaymentReceipt),
    /// Refused (no money moved): the field and message given.
    Refused { field: String, message: String },
}

pub(super) const STARTED: &str = "STARTED";
pub(super) const DONE: &str = "DONE";

fn check_key(key: &str) -> DomainResult<()> {
    let fine = (8..=128).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c));
    if fine {
        Ok(())
    } else {
        Err(DomainError::validation(
            "idempotencyKey",
            "Send a key of 8–128 letters, digits, '-', '_', ':' or '.', new for each payment (a UUID is ideal) and the same when you retry it.",
        ))
    }
}

fn digest(plan_id: Uuid, op: Operation) -> String {
    let what = match op {
        Operation::Pay(amount) => format!(
            "payInstallment|{plan_id}|{}",
            amount.map_or_else(|| "due".to_owned(), |m| m.to_fen().to_string())
        ),
        Operation::Prepay(amount, mode) => {
            format!("prepay|{plan_id}|{}|{mode:?}", amount.to_fen())
        }
        Operation::PayOff => format!("payOff|{plan_id}"),
    };
    hex::encode(Sha256::digest(what.as_bytes()))
}

/// What a payment of `amount` (or of what is due) takes on `today`: the installments due
/// up to today, and the next one.
fn payable(installments: &[Installment], today: NaiveDate) -> (i64, i64) {
    let due: i64 = installments
        .iter()
        .filter(|i| !i.settled() && i.due_date <= today)
        .map(|i| i.owed().total())
        .sum();
    let next: i64 = installments
        .iter()
        .find(|i| !i.settled() && i.due_date > today)
        .map_or(0, |i| i.owed().total());
    (due, next)
}

impl Domain {
    /// Pays now (see the module documentation).
    pub async fn pay_installment(
        &self,
        request: PayRequest,
        caller: &Caller,
    ) -> DomainResult<PaymentReceipt> {
        if request.amount.is_some_and(|m| !m.is_positive()) {
            caller.require(Permission::PayPlan)?;
            return Err(DomainError::validation(
                "amount",
                "Pay more than 0.00 yuan, or leave the amount out to pay what is due.",
            ));
        }
        self.run_payment(
            request.plan_id,
            &request.idempotency_key,
            Operation::Pay(request.amount),
            caller,
        )
        .await
    }

    /// One payment request under its key (see the module documentation).
    pub(super) async fn run_payment(
        &self,
        plan_id: Uuid,
        idempotency_key: &str,
        op: Operation,
        caller: &Caller,
    ) -> DomainResult<PaymentReceipt> {
        caller.require(Permission::PayPlan)?;
        let account_id = caller
            .actor
            .map(|a| a.account_id)
            .ok_or_else(|| DomainError::Unauthenticated("Log in first.".into()))?;
        check_key(idempotency_key)?;
        // Only the customer's own plan (anyone else's is not found).
        let plan_row = self.plan_row(plan_id, caller).await?;
        let hash = digest(plan_id, op);
        let now = self.now();
        let inserted = payment_request::Entity::insert(payment_request::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(account_id),
            idempotency_key: Set(idempotency_key.to_owned()),
            request_sha256: Set(hash.clone()),
            status: Set(STARTED.into()),
            answer: Set(None),
            created_at: Set(store::millis(now)),
            finished_at: Set(None),
        })
        .on_conflict(
            OnConflict::columns([
                payment_request::Column::AccountId,
                payment_request::Column::IdempotencyKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        let kept = self.payment_request(account_id, idempotency_key).await?;
        if kept.request_sha256 != hash {
            return Err(DomainError::IdempotencyKeyReused(
                "This idempotency key was used for another payment; send a new key for a new payment.".into(),
            ));
        }
        if inserted == 0
            && let Some(answer) = replay(&kept)?
        {
            return answer;
        }
        let today = self.business_date();
        if plan_row.status != ACTIVE_PLAN {
            return self
                .refuse(
                    &kept,
                    "planId",
                    format!("This plan is {}; nothing is due.", plan_row.status),
                )
                .await;
        }
        // The amount is fixed once per request, so a retry asks the platform the same.
        let amount = match kept.answer.as_deref().map(serde_json::from_str::<Kept>) {
            Some(Ok(Kept::Started { amount_fen })) => amount_fen,
            _ => {
                let amount = match self.amount_for(op, &plan_row, today).await? {
                    Ok(amount) => amount,
                    Err((field, message)) => return self.refuse(&kept, field, message).await,
                };
                let started = serde_json::to_string(&Kept::Started { amount_fen: amount })
                    .map_err(|e| DomainError::Internal(e.to_string()))?;
                payment_request::Entity::update_many()
                    .col_expr(payment_request::Column::Answer, Expr::value(started))
                    .filter(payment_request::Column::Id.eq(kept.id))
                    .filter(payment_request::Column::Status.eq(STARTED))
                    .exec(self.db())
                    .await?;
                amount
            }
        };
        let code = plan_row.platform_code.clone().unwrap_or_default();
        let platform_row = installment_platform::Entity::find_by_id(code.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal(format!("the plan's platform {code} is gone")))?;
        let collect = CollectRequest {
            idempotency_key: format!("pay:{}", kept.id),
            customer_id: plan_row.customer_id,
            plan_ref: plan_row.external_ref.clone().unwrap_or_default(),
            amount_fen: amount,
        };
        match self.platform_of(&platform_row)?.collect(&collect).await {
            Ok(CollectOutcome::Succeeded { reference }) => match op {
                Operation::Pay(_) => {
                    self.post_payment(&kept, &plan_row, amount, &reference, today)
                        .await
                }
                Operation::Prepay(principal, mode) => {
                    self.post_prepayment(&kept, &plan_row, principal, mode, amount, &reference)
                        .await
                }
                Operation::PayOff => {
                    self.post_payoff(&kept, &plan_row, amount, &reference).await
                }
            },
            Ok(CollectOutcome::InsufficientFunds) => {
                self.refuse(
                    &kept,
                    "amount",
                    format!(
                        "Your repayment account holds less than {} yuan; nothing was taken. Top it up and pay again with a new key.",
                        Money::from_fen(amount)
                    ),
                )
                .await
            }
            Ok(CollectOutcome::AccountClosed) => {
                self.refuse(&kept, "planId", "Your repayment account is closed; please contact the bank.".into())
                    .await
            }
            Ok(CollectOutcome::Rejected { reason }) => {
                self.refuse(&kept, "planId", format!("The platform refused the payment: {reason}"))
                    .await
            }
            Ok(CollectOutcome::Pending { .. }) => Err(DomainError::Unavailable(
                "The platform accepted the payment and confirms it later; retry with the same key to see it.".into(),
            )),
            Err(PlatformError::Unavailable(reason)) => Err(DomainError::Unavailable(format!(
                "The platform did not answer ({reason}); retry with the same key, nothing is taken twice."
            ))),
            Err(other) => {
                self.refuse(&kept, "planId", format!("The platform refused the payment: {other}"))
                    .await
            }
        }
    }

    /// What `op` takes today, or why not (the field at fault and a message).
    async fn amount_for(
        &self,
        op: Operation,
        plan_row: &installment_plan::Model,
        today: NaiveDate,
    ) -> DomainResult<Result<i64, (&'static str, String)>> {
        match op {
            Operation::Pay(asked) => {
                let rows = store::entries(self.db(), plan_row.id).await?;
                let installments = store::accrued(&rows, plan_row, today)?;
                let (due, next) = payable(&installments, today);
                let amount = match asked {
                    None if due > 0 => due,
                    None => next,
                    Some(m) => m.to_fen(),
                };
                if amount <= 0 {
                    return Ok(Err(("amount", "Nothing is owed on this plan now.".into())));
                }
                if amount > due + next {
                    return Ok(Err((
                        "amount",
                        format!(
                            "At most {} yuan can be paid now (what is due, and the next installment); to repay more, use prepay.",
                            Money::from_fen(due + next)
                        ),
                    )));
                }
                Ok(Ok(amount))
            }
            Operation::Prepay(principal, mode) => Ok(self
                .prepayment_plan(plan_row, principal, mode, today)
                .await?
                .map(|p| p.quote.total_fen)),
            Operation::PayOff => {
                let rows = store::entries(self.db(), plan_row.id).await?;
                let installments = store::accrued(&rows, plan_row, today)?;
                Ok(payoff_quote(&installments, &store::terms(plan_row), today)
                    .map(|q| q.total)
                    .map_err(|e| ("planId", e.to_string())))
            }
        }
    }

    /// Finishes `kept` with `receipt` as its answer, in `txn`: false when another
    /// delivery of the same request finished it first (then roll back and answer as it
    /// did, [`Self::replayed`]).
    pub(super) async fn finish_request<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        kept: &payment_request::Model,
        receipt: &PaymentReceipt,
    ) -> DomainResult<bool> {
        let answer = serde_json::to_string(&Kept::Paid(receipt.clone()))
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let finished = payment_request::Entity::update_many()
            .col_expr(payment_request::Column::Status, Expr::value(DONE))
            .col_expr(payment_request::Column::Answer, Expr::value(answer))
            .col_expr(
                payment_request::Column::FinishedAt,
                Expr::value(store::millis(self.now())),
            )
            .filter(payment_request::Column::Id.eq(kept.id))
            .filter(payment_request::Column::Status.eq(STARTED))
            .exec(txn)
            .await?
            .rows_affected;
        Ok(finished == 1)
    }

    /// The answer another delivery gave the request `id`.
    pub(super) async fn replayed(&self, id: Uuid) -> DomainResult<PaymentReceipt> {
        let kept = payment_request::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("a payment request vanished".into()))?;
        replay(&kept)?.unwrap_or_else(|| {
            Err(DomainError::Internal(
                "a finished payment without its answer".into(),
            ))
        })
    }

    async fn payment_request(
        &self,
        account_id: Uuid,
        key: &str,
    ) -> DomainResult<payment_request::Model> {
        payment_request::Entity::find()
            .filter(payment_request::Column::AccountId.eq(account_id))
            .filter(payment_request::Column::IdempotencyKey.eq(key))
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("a payment request vanished".into()))
    }

    /// Ends a request with a refusal (no money moved) that a retry replays.
    pub(super) async fn refuse(
        &self,
        kept: &payment_request::Model,
        field: &str,
        message: String,
    ) -> DomainResult<PaymentReceipt> {
        let answer = serde_json::to_string(&Kept::Refused {
            field: field.to_owned(),
            message: message.clone(),
        })
        .map_err(|e| DomainError::Internal(e.to_string()))?;
        payment_request::Entity::update_many()
            .col_expr(payment_request::Column::Status, Expr::value(DONE))
            .col_expr(payment_request::Column::Answer, Expr::value(answer))
            .col_expr(
                payment_request::Column::FinishedAt,
                Expr::value(store::millis(self.now())),
            )
            .filter(payment_request::Column::Id.eq(kept.id))
            .filter(payment_request::Column::Status.eq(STARTED))
            .exec(self.db())
            .await?;
        Err(DomainError::validation(field, message))
    }

    /// Posts a collected payment and finishes its request, once.
    async fn post_payment(
        &self,
        kept: &payment_request::Model,
        plan: &installment_plan::Model,
        amount: i64,
        reference: &str,
        today: NaiveDate,
    ) -> DomainResult<PaymentReceipt> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let rows = store::entries_locked(&txn, plan.id).await?;
        let mut installments = store::accrued(&rows, plan, today)?;
        let (shares, left) = allocate(&mut installments, amount);
        let receipt = PaymentReceipt {
            plan_id: plan.id,
            amount_fen: amount - left,
            periods: installments
                .iter()
                .zip(&shares)
                .filter(|(_, s)| s.total() > 0)
                .map(|(i, s)| (i.period, s.total()))
                .collect(),
            reference: reference.to_owned(),
            replayed: false,
        };
        if !self.finish_request(&txn, kept, &receipt).await? {
            txn.rollback().await?;
            return self.replayed(kept.id).await;
        }
        let mut payments = Vec::new();
        for ((row, installment), share) in rows.iter().zip(&installments).zip(&shares) {
            if share.total() == 0 {
                continue;
            }
            let posting = store::Posting {
                plan_id: plan.id,
                entry_id: Some(row.id),
                kind: PaymentKind::Customer,
                source_key: format!("pay:{}:{}", kept.id, installment.period),
                share: *share,
                reference,
            };
            payments.push(posting.row(today, store::millis(now)));
            store::save_installment(&txn, row, installment, today).await?;
        }
        plan_payment::Entity::insert_many(payments)
            .exec_without_returning(&txn)
            .await?;
        let tally = store::refresh_plan(&txn, plan.id, today, store::millis(now)).await?;
        store::announce_payment(
            &txn,
            now,
            plan,
            receipt.amount_fen,
            &format!("pay:{}", kept.id),
            tally,
        )
        .await?;
        txn.commit().await?;
        self.plan_changed(plan.id).await;
        Ok(receipt)
    }
}

/// The answer of a finished request, replayed; `None` while it is still running.
pub(super) fn replay(
    kept: &payment_request::Model,
) -> DomainResult<Option<DomainResult<PaymentReceipt>>> {
    if kept.status != DONE {
        return Ok(None);
    }
    let answer: Kept = kept
        .answer
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| DomainError::Internal(format!("a kept answer: {e}")))?
        .ok_or_else(|| DomainError::Internal("a finished payment without its answer".into()))?;
    Ok(Some(match answer {
        Kept::Paid(mut receipt) => {
            receipt.replayed = true;
            Ok(receipt)
        }
        Kept::Refused { field, message } => Err(DomainError::validation(field, message)),
        Kept::Started { .. } => return Ok(None),
    }))
}
