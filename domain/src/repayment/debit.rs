//! One automatic debit (`DebitJob`): collect an installment through its plan's platform
//! under the attempt's key (`debit:<entry>:<attempt>`) and post what came of it, exactly
//! once. The platform keeps the key, so a job that crashed after collecting, or is
//! delivered twice, asks again and gets the same answer with no second movement; the
//! posting moves the attempt out of `QUEUED` in the same transaction that records the
//! payment, so only one delivery posts.

use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use adapters::platforms::{
    CollectOutcome, CollectRequest, INTERNAL_CODE, InternalPlatform, PlatformError,
};
use entities::debit_attempt::{self, DebitStatus};
use entities::plan_payment::{self, PaymentKind};
use entities::{installment_plan, installment_platform, plan_entry};

use super::engine::retry_day;
use super::store::{self, ACTIVE_PLAN};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::notices::Message;
use crate::notices::outbox::{self, Notice};
use crate::service::Domain;

/// What one debit came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebitOutcome {
    /// Collected and posted (fen).
    Collected(i64),
    /// Too little money; tried again on the day given, if any.
    Insufficient(Option<chrono::NaiveDate>),
    /// The platform answers later (by callback).
    Pending,
    /// Refused; staff must look (the reason).
    Failed(String),
    /// Nothing to do: settled, changed, or done by another delivery.
    Skipped(String),
}

/// The idempotency key of an attempt.
pub fn debit_key(entry_id: Uuid, attempt: i32) -> String {
    format!("debit:{entry_id}:{attempt}")
}

/// How an attempt ends without a payment (see `Domain::finish_attempt_in`).
struct Ending<'a> {
    /// The statuses it may end from.
    from: &'a [DebitStatus],
    status: DebitStatus,
    reference: Option<&'a str>,
    reason: Option<&'a str>,
    /// When its installment is collected next.
    collect_on: Option<String>,
    /// What the customer is told.
    notice: Option<Notice>,
}

/// The notice of a debit that found too little money, once per attempt.
pub(super) fn debit_failed(
    customer_id: Uuid,
    attempt: &debit_attempt::Model,
    period: i32,
    next: Option<&str>,
) -> Notice {
    Notice {
        customer_id,
        plan_id: Some(attempt.plan_id),
        message: Message::DebitFailed {
            period,
            amount_fen: attempt.amount_fen,
            next_try: next.and_then(|d| store::date(d).ok()),
        },
        once: Some(format!("debit_failed:{}", attempt.id)),
    }
}

impl Domain {
    /// A partner's callback about a debit it answered later (`Pending`), named by the
    /// attempt's key: a success posts it through the same path as an immediate one, a
    /// failure is a short debit retried on the next retry day. Only an attempt still
    /// waiting is touched, so repeated or late callbacks change nothing.
    pub(crate) async fn settle_debit_by_callback(
        &self,
        key: &str,
        succeeded: bool,
        reference: &str,
    ) -> DomainResult<()> {
        let Some((entry_id, number)) = key
            .strip_prefix("debit:")
            .and_then(|rest| rest.rsplit_once(':'))
            .and_then(|(entry, n)| Some((Uuid::parse_str(entry).ok()?, n.parse::<i32>().ok()?)))
        else {
            return Ok(());
        };
        let Some(attempt) = debit_attempt::Entity::find()
            .filter(debit_attempt::Column::EntryId.eq(entry_id))
            .filter(debit_attempt::Column::Attempt.eq(number))
            .one(self.db())
            .await?
        else {
            return Ok(());
        };
        if !matches!(attempt.status, DebitStatus::Queued | DebitStatus::Pending) {
            return Ok(());
        }
        if succeeded {
            self.post_debit(&attempt, reference).await?;
            return Ok(());
        }
        let entry = plan_entry::Entity::find_by_id(entry_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("a debit attempt without its entry".into()))?;
        let today = self.business_date();
        let next = retry_day(
            store::date(&entry.due_date)?,
            u32::try_from(attempt.attempt).unwrap_or(u32::MAX),
            &self.settings().debit_retry_days,
        )
        .map(|d| store::text(d.max(today + chrono::Days::new(1))));
        let customer_id = installment_plan::Entity::find_by_id(attempt.plan_id)
            .one(self.db())
            .await?
            .map(|p| p.customer_id)
            .ok_or_else(|| DomainError::Internal("a debit attempt without its plan".into()))?;
        let notice = debit_failed(customer_id, &attempt, entry.period, next.as_deref());
        self.finish_attempt_from(
            &attempt,
            &[DebitStatus::Queued, DebitStatus::Pending],
            DebitStatus::Insufficient,
            None,
            Some("the partner reported the debit failed"),
            next.clone(),
            Some(notice),
        )
        .await
    }

    /// Runs the debit attempt `attempt_id` (see the module documentation).
    pub async fn run_debit(&self, attempt_id: Uuid) -> DomainResult<DebitOutcome> {
        let Some(attempt) = debit_attempt::Entity::find_by_id(attempt_id)
            .one(self.db())
            .await?
        else {
            return Ok(DebitOutcome::Skipped("no such attempt".into()));
        };
        if attempt.status != DebitStatus::Queued {
            return Ok(DebitOutcome::Skipped(format!(
                "attempt already {:?}",
                attempt.status
            )));
        }
        let entry = plan_entry::Entity::find_by_id(attempt.entry_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("a debit attempt without its entry".into()))?;
        let plan = installment_plan::Entity::find_by_id(attempt.plan_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("a debit attempt without its plan".into()))?;
        let today = self.business_date();
        let mut installment = store::installment(&entry)?;
        installment.accrue(&store::terms(&plan), today);
        let owed = installment.owed().total();
        if plan.status != ACTIVE_PLAN || owed < attempt.amount_fen {
            // Paid (or closed) since the attempt was made: never take more than is owed.
            // Whatever is still owed is collected from the next business day's run.
            let reason = if plan.status != ACTIVE_PLAN {
                format!("the plan is {}", plan.status)
            } else {
                "the installment was paid in part since".to_owned()
            };
            let next = (owed > 0 && plan.status == ACTIVE_PLAN).then(|| store::text(today));
            self.finish_attempt(&attempt, DebitStatus::Skipped, None, Some(&reason), next)
                .await?;
            if plan.status != ACTIVE_PLAN {
                // As close of business decides for a plan it finds inactive (cob.rs).
                store::stop_collecting(self.db(), vec![entry.id]).await?;
            }
            return Ok(DebitOutcome::Skipped(reason));
        }
        let code = plan.platform_code.clone().unwrap_or_default();
        if code == INTERNAL_CODE {
            let next_try = retry_day(
                installment.due_date,
                u32::try_from(attempt.attempt).unwrap_or(u32::MAX),
                &self.settings().debit_retry_days,
            )
            .map(|d| d.max(today + chrono::Days::new(1)));
            if let Some(outcome) = self
                .debit_on_own_ledger(&attempt, &entry, &plan, next_try)
                .await?
            {
                return Ok(outcome);
            }
        }
        let row = installment_platform::Entity::find_by_id(code.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal(format!("the plan's platform {code} is gone")))?;
        let platform = self.platform_of(&row)?;
        let request = CollectRequest {
            idempotency_key: debit_key(entry.id, attempt.attempt),
            customer_id: plan.customer_id,
            plan_ref: plan.external_ref.clone().unwrap_or_default(),
            amount_fen: attempt.amount_fen,
        };
        match platform.collect(&request).await {
            Ok(CollectOutcome::Succeeded { reference }) => {
                self.post_debit(&attempt, &reference).await
            }
            Ok(CollectOutcome::InsufficientFunds) => {
                let next = retry_day(
                    installment.due_date,
                    u32::try_from(attempt.attempt).unwrap_or(u32::MAX),
                    &self.settings().debit_retry_days,
                )
                .map(|d| d.max(today + chrono::Days::new(1)));
                let notice = debit_failed(
                    plan.customer_id,
                    &attempt,
                    entry.period,
                    next.map(store::text).as_deref(),
                );
                self.finish_attempt_from(
                    &attempt,
                    &[DebitStatus::Queued],
                    DebitStatus::Insufficient,
                    None,
                    Some("insufficient funds"),
                    next.map(store::text),
                    Some(notice),
                )
                .await?;
                Ok(DebitOutcome::Insufficient(next))
            }
            Ok(CollectOutcome::Pending { reference }) => {
                self.finish_attempt(&attempt, DebitStatus::Pending, Some(&reference), None, None)
                    .await?;
                Ok(DebitOutcome::Pending)
            }
            Ok(CollectOutcome::AccountClosed) => {
                let reason = "the repayment account is closed";
                self.finish_attempt(&attempt, DebitStatus::Failed, None, Some(reason), None)
                    .await?;
                Ok(DebitOutcome::Failed(reason.into()))
            }
            Ok(CollectOutcome::Rejected { reason }) => {
                self.finish_attempt(&attempt, DebitStatus::Failed, None, Some(&reason), None)
                    .await?;
                Ok(DebitOutcome::Failed(reason))
            }
            // Not answered: the job fails and is retried; the attempt stays queued.
            Err(PlatformError::Unavailable(reason)) => Err(DomainError::Unavailable(format!(
                "{code} did not answer the debit: {reason}"
            ))),
            Err(other) => {
                let reason = other.to_string();
                self.finish_attempt(&attempt, DebitStatus::Failed, None, Some(&reason), None)
                    .await?;
                Ok(DebitOutcome::Failed(reason))
            }
        }
    }

    /// Ends a queued attempt without a payment, and sets when its installment is
    /// collected next. Only the first delivery to get here changes anything.
    async fn finish_attempt(
        &self,
        attempt: &debit_attempt::Model,
        status: DebitStatus,
        reference: Option<&str>,
        reason: Option<&str>,
        collect_on: Option<String>,
    ) -> DomainResult<()> {
        self.finish_attempt_from(
            attempt,
            &[DebitStatus::Queued],
            status,
            reference,
            reason,
            collect_on,
            None,
        )
        .await
    }

    /// [`Self::finish_attempt`] for an attempt in one of `from`, announcing `notice` in
    /// the same transaction if this delivery is the one that finished it.
    #[allow(clippy::too_many_arguments)]
    async fn finish_attempt_from(
        &self,
        attempt: &debit_attempt::Model,
        from: &[DebitStatus],
        status: DebitStatus,
        reference: Option<&str>,
        reason: Option<&str>,
        collect_on: Option<String>,
        notice: Option<Notice>,
    ) -> DomainResult<()> {
        let txn = begin_write(self.db()).await?;
        let ending = Ending {
            from,
            status,
            reference,
            reason,
            collect_on,
            notice,
        };
        self.finish_attempt_in(&txn, attempt, ending).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ends `attempt` in `txn` as `ending` says, if it is still in one of `ending.from`:
    /// its status, when its installment is collected next, and the notice. True when this
    /// delivery ended it.
    async fn finish_attempt_in<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        attempt: &debit_attempt::Model,
        ending: Ending<'_>,
    ) -> DomainResult<bool> {
        let now = store::millis(self.now());
        let moved = debit_attempt::Entity::update_many()
            .col_expr(debit_attempt::Column::Status, Expr::value(ending.status))
            .col_expr(
                debit_attempt::Column::Reference,
                Expr::value(ending.reference.map(str::to_owned)),
            )
            .col_expr(
                debit_attempt::Column::Reason,
                Expr::value(ending.reason.map(str::to_owned)),
            )
            .col_expr(debit_attempt::Column::FinishedAt, Expr::value(now))
            .filter(debit_attempt::Column::Id.eq(attempt.id))
            .filter(debit_attempt::Column::Status.is_in(ending.from.iter().copied()))
            .exec(txn)
            .await?
            .rows_affected
            == 1;
        if moved && ending.collect_on.is_some() {
            // Counting this attempt lets close of business make the next one on that day
            // (repayment/cob.rs: the next attempt's existence is its mark).
            plan_entry::Entity::update_many()
                .col_expr(
                    plan_entry::Column::CollectOn,
                    Expr::value(ending.collect_on),
                )
                .col_expr(plan_entry::Column::Attempts, Expr::value(attempt.attempt))
                .filter(plan_entry::Column::Id.eq(attempt.entry_id))
                .filter(plan_entry::Column::Status.ne(store::PAID))
                .exec(txn)
                .await?;
        }
        if moved && let Some(notice) = ending.notice {
            outbox::write(txn, self.now(), &[notice]).await?;
        }
        Ok(moved)
    }

    /// Posts a collected debit: the attempt succeeds, the payment is recorded under the
    /// attempt's key and allocated to its installment, the plan's delinquency follows.
    async fn post_debit(
        &self,
        attempt: &debit_attempt::Model,
        reference: &str,
    ) -> DomainResult<DebitOutcome> {
        let txn = begin_write(self.db()).await?;
        let entry = plan_entry::Entity::find_by_id(attempt.entry_id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::Internal("a debit attempt without its entry".into()))?;
        let plan = installment_plan::Entity::find_by_id(attempt.plan_id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::Internal("a debit attempt without its plan".into()))?;
        match self
            .post_debit_in(&txn, attempt, &entry, &plan, reference)
            .await?
        {
            Some(outcome) => {
                txn.commit().await?;
                self.plan_changed(plan.id).await;
                Ok(outcome)
            }
            None => {
                txn.rollback().await?;
                Ok(DebitOutcome::Skipped("posted by another delivery".into()))
            }
        }
    }

    /// [`Self::post_debit`] inside `txn`, with the entry and plan read in it; `None` when
    /// another delivery posted the attempt first (roll back).
    async fn post_debit_in(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        attempt: &debit_attempt::Model,
        entry: &plan_entry::Model,
        plan: &installment_plan::Model,
        reference: &str,
    ) -> DomainResult<Option<DebitOutcome>> {
        let now = self.now();
        let today = self.business_date();
        let moved = debit_attempt::Entity::update_many()
            .col_expr(
                debit_attempt::Column::Status,
                Expr::value(DebitStatus::Succeeded),
            )
            .col_expr(
                debit_attempt::Column::Reference,
                Expr::value(reference.to_owned()),
            )
            .col_expr(
                debit_attempt::Column::FinishedAt,
                Expr::value(store::millis(now)),
            )
            .filter(debit_attempt::Column::Id.eq(attempt.id))
            // A partner may confirm by callback before the job has recorded `PENDING`.
            .filter(
                debit_attempt::Column::Status.is_in([DebitStatus::Queued, DebitStatus::Pending]),
            )
            .exec(txn)
            .await?
            .rows_affected;
        if moved == 0 {
            return Ok(None);
        }
        let mut installment = store::installment(entry)?;
        installment.accrue(&store::terms(plan), today);
        let share = installment.pay(attempt.amount_fen);
        if share.total() != attempt.amount_fen {
            // Checked before collecting; a concurrent payment in between would be a bug
            // upstream, and the money must not vanish: refuse and let staff see it.
            return Err(DomainError::Internal(format!(
                "debit {} collected {} fen but the installment owes {}",
                attempt.id,
                attempt.amount_fen,
                share.total()
            )));
        }
        let posting = store::Posting {
            plan_id: plan.id,
            entry_id: Some(entry.id),
            kind: PaymentKind::AutoDebit,
            source_key: debit_key(entry.id, attempt.attempt),
            share,
            reference,
        };
        plan_payment::Entity::insert(posting.row(today, store::millis(now)))
            .exec_without_returning(txn)
            .await?;
        store::save_installment(txn, entry, &installment, today).await?;
        let tally = store::refresh_plan(txn, plan.id, today, store::millis(now)).await?;
        store::announce_payment(
            txn,
            now,
            plan,
            attempt.amount_fen,
            &debit_key(entry.id, attempt.attempt),
            tally,
        )
        .await?;
        Ok(Some(DebitOutcome::Collected(attempt.amount_fen)))
    }

    /// The debit of an installment on the bank's own ledger, which lives in this
    /// database: collected and posted (or recorded as short) in one transaction, so the
    /// money moves exactly when the posting commits. `None` when the ledger recorded the
    /// key before (a run that stopped between the two transactions of an older version):
    /// the caller takes the general path, which answers the recorded outcome.
    async fn debit_on_own_ledger(
        &self,
        attempt: &debit_attempt::Model,
        entry: &plan_entry::Model,
        plan: &installment_plan::Model,
        next_try: Option<chrono::NaiveDate>,
    ) -> DomainResult<Option<DebitOutcome>> {
        let key = debit_key(entry.id, attempt.attempt);
        let now = store::millis(self.now());
        let txn = begin_write(self.db()).await?;
        // The attempt first, then its installment, locked in the order a group of debits
        // locks them (`debit_group.rs`), so the two never wait on each other in a circle;
        // the installment is reckoned as it is now, not as it was read before.
        let queued = debit_attempt::Entity::find_by_id(attempt.id)
            .select_only()
            .column(debit_attempt::Column::Id)
            .filter(debit_attempt::Column::Status.eq(DebitStatus::Queued))
            .lock(LockType::NoKeyUpdate)
            .into_tuple::<Uuid>()
            .one(&txn)
            .await?;
        if queued.is_none() {
            txn.rollback().await?;
            return Ok(Some(DebitOutcome::Skipped(
                "posted by another delivery".into(),
            )));
        }
        let entry = &plan_entry::Entity::find_by_id(entry.id)
            .lock(LockType::NoKeyUpdate)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::Internal("a debit attempt without its entry".into()))?;
        let mut installment = store::installment(entry)?;
        installment.accrue(&store::terms(plan), self.business_date());
        if installment.owed().total() < attempt.amount_fen {
            // Paid in part since it was read: the next delivery says so and skips it.
            txn.rollback().await?;
            return Err(DomainError::Conflict(
                "the installment was paid in part while its debit started".into(),
            ));
        }
        let collected = match InternalPlatform::collect_in(
            &txn,
            &key,
            plan.customer_id,
            attempt.amount_fen,
            now,
        )
        .await
        {
            Ok(Some(outcome)) => outcome,
            Ok(None) => {
                txn.rollback().await?;
                return Ok(None);
            }
            // Another delivery of the same attempt committed the movement first.
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await?;
                return Ok(Some(DebitOutcome::Skipped(
                    "posted by another delivery".into(),
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let outcome = match collected {
            (CollectOutcome::Succeeded { reference }, _) => {
                self.post_debit_in(&txn, attempt, entry, plan, &reference)
                    .await?
            }
            _ => {
                let ending = Ending {
                    from: &[DebitStatus::Queued],
                    status: DebitStatus::Insufficient,
                    reference: None,
                    reason: Some("insufficient funds"),
                    collect_on: next_try.map(store::text),
                    notice: Some(debit_failed(
                        plan.customer_id,
                        attempt,
                        entry.period,
                        next_try.map(store::text).as_deref(),
                    )),
                };
                self.finish_attempt_in(&txn, attempt, ending)
                    .await?
                    .then_some(DebitOutcome::Insufficient(next_try))
            }
        };
        match outcome {
            Some(outcome) => {
                txn.commit().await?;
                if matches!(outcome, DebitOutcome::Collected(_)) {
                    self.plan_changed(plan.id).await;
                }
                Ok(Some(outcome))
            }
            None => {
                txn.rollback().await?;
                Ok(Some(DebitOutcome::Skipped(
                    "posted by another delivery".into(),
                )))
            }
        }
    }
}
