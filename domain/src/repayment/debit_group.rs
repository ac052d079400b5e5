//! Debits in groups (group commit). A close of business queues one `DebitJob` per
//! installment due; posted one transaction each, a debit on the bank's own ledger cost
//! some twenty statements and a commit, and the database spent its time on round trips.
//! Here the worker hands the debits that arrive together to [`Domain::run_debits`], which
//! collects and posts every one of them on the bank's own ledger in **one** transaction,
//! each statement shared by the group (multi-row inserts, `CASE` updates).
//!
//! Nothing about exactly once changes. Each installment keeps its attempt, its key
//! (`debit:<entry>:<attempt>`), its ledger entry, its payment and its receipt; the attempt
//! leaves `QUEUED` in the transaction that records the payment; the attempts are locked
//! before anything moves, so a second delivery (in another group, another process) waits
//! and then finds the attempt done. A group that fails for any reason is rolled back
//! whole and its debits run one by one ([`Domain::run_debit`]), where a fault stays with
//! the debit that has it. Debits through a partner, on a plan no longer active or an
//! installment paid in part since, always run one by one.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use adapters::platforms::{CollectOutcome, GroupCollect, INTERNAL_CODE, InternalPlatform};
use entities::debit_attempt::{self, DebitStatus};
use entities::many_rows::per_row;
use entities::plan_payment::{self, PaymentKind};
use entities::{installment_plan, plan_entry};

use super::debit::{DebitOutcome, debit_failed, debit_key};
use super::engine::{Installment, retry_day};
use super::store::{self, ACTIVE_PLAN};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::notices::outbox::{self, Notice};
use crate::service::Domain;

/// Debits of a group that fell out of it run one by one, this many at a time.
const ONE_BY_ONE: usize = 4;

/// Debits in a group when the domain itself runs a day's debits (the demo clock); the
/// worker groups the jobs that arrive together, up to `FENQI_DEBIT_GROUP_SIZE`.
pub(super) const DEMO_GROUP: usize = 50;

/// A debit the group can take: an active plan on the bank's own ledger.
struct Candidate {
    attempt: debit_attempt::Model,
    plan: installment_plan::Model,
}

/// A debit of the group, its installment read in the group's transaction.
struct Member<'a> {
    attempt: &'a debit_attempt::Model,
    plan: &'a installment_plan::Model,
    entry: plan_entry::Model,
    installment: Installment,
    key: String,
}

impl Domain {
    /// Runs the debit attempts `attempt_ids` (see the module documentation): those on the
    /// bank's own ledger in one transaction ([`Self::debit_together`]), the others one by
    /// one. Answers each id's outcome in the order given; an id given twice is answered
    /// once and `Skipped` the second time.
    pub async fn run_debits(&self, attempt_ids: &[Uuid]) -> Vec<DomainResult<DebitOutcome>> {
        let mut answers: HashMap<Uuid, DomainResult<DebitOutcome>> = self
            .debit_together(attempt_ids)
            .await
            .into_iter()
            .map(|(id, o)| (id, Ok(o)))
            .collect();
        let mut rest: Vec<Uuid> = attempt_ids
            .iter()
            .filter(|id| !answers.contains_key(id))
            .copied()
            .collect();
        rest.sort_unstable();
        rest.dedup();
        let one_by_one: Vec<(Uuid, DomainResult<DebitOutcome>)> = futures::stream::iter(rest)
            .map(|id| async move { (id, self.run_debit(id).await) })
            .buffer_unordered(ONE_BY_ONE)
            .collect()
            .await;
        answers.extend(one_by_one);
        attempt_ids
            .iter()
            .map(|id| {
                answers.remove(id).unwrap_or_else(|| {
                    Ok(DebitOutcome::Skipped("delivered twice in one group".into()))
                })
            })
            .collect()
    }

    /// Collects and posts, in one transaction, those of `attempt_ids` on the bank's own
    /// ledger that can go together; answers their outcomes. The others, absent from the
    /// answer, are for [`Self::run_debit`] one by one: those through a partner, those
    /// whose plan or installment changed since the attempt, and all of them when the
    /// group's transaction failed (rolled back whole; logged).
    pub async fn debit_together(&self, attempt_ids: &[Uuid]) -> HashMap<Uuid, DebitOutcome> {
        let mut unique = attempt_ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        match self.debit_group(&unique).await {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    debits = unique.len(),
                    "a group of debits was rolled back; its debits run one by one"
                );
                HashMap::new()
            }
        }
    }

    /// The group's transaction: answers the outcome of each debit it took (an empty map
    /// when it took none); the others are left to run one by one.
    async fn debit_group(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, DebitOutcome>> {
        let candidates = self.group_candidates(ids).await?;
        if candidates.is_empty() {
            return Ok(HashMap::new());
        }
        let now = self.now();
        let today = self.business_date();
        let txn = begin_write(self.db()).await?;
        // Lock the attempts still queued, in id order (every group the same order): a
        // second delivery of one of them waits here for this group to end, and then finds
        // it done.
        let queued: HashSet<Uuid> = debit_attempt::Entity::find()
            .select_only()
            .column(debit_attempt::Column::Id)
            .column(debit_attempt::Column::Status)
            .filter(debit_attempt::Column::Id.is_in(candidates.keys().copied()))
            .order_by_asc(debit_attempt::Column::Id)
            .lock(LockType::NoKeyUpdate)
            .into_tuple::<(Uuid, DebitStatus)>()
            .all(&txn)
            .await?
            .into_iter()
            .filter(|(_, status)| *status == DebitStatus::Queued)
            .map(|(id, _)| id)
            .collect();
        let mut done: HashMap<Uuid, DebitOutcome> = candidates
            .keys()
            .filter(|id| !queued.contains(id))
            .map(|id| {
                (
                    *id,
                    DebitOutcome::Skipped("done by another delivery".into()),
                )
            })
            .collect();
        let members = self
            .group_members(&txn, &candidates, &queued, today)
            .await?;
        if members.is_empty() {
            txn.rollback().await?;
            return Ok(done);
        }
        let collects: Vec<GroupCollect<'_>> = members
            .iter()
            .map(|m| GroupCollect {
                key: &m.key,
                customer_id: m.plan.customer_id,
                amount_fen: m.attempt.amount_fen,
            })
            .collect();
        let collected =
            match InternalPlatform::collect_all_in(&txn, &collects, store::millis(now)).await {
                Ok(collected) => collected,
                Err(e) => {
                    txn.rollback().await?;
                    return Err(if is_unique_violation(&e) {
                        DomainError::Conflict(
                            "another delivery recorded one of the group's debits first".into(),
                        )
                    } else {
                        e.into()
                    });
                }
            };
        let mut posted = Vec::new();
        let mut short = Vec::new();
        for (member, outcome) in members.iter().zip(collected.outcomes) {
            match outcome {
                // Recorded before (a run of an older version that stopped half way):
                // one by one, which answers the recorded outcome.
                None => {}
                Some((CollectOutcome::Succeeded { reference }, _)) => {
                    posted.push((member, reference));
                }
                Some(_) => short.push(member),
            }
        }
        let mut notices = self.post_group(&txn, &posted, today, now).await?;
        notices.extend(self.short_group(&txn, &short, today, now).await?);
        outbox::write(&txn, now, &notices).await?;
        // The bank's side last: its shards are locked from here to the commit only.
        collected.credits.apply(&txn).await?;
        txn.commit().await?;

        // One update per posting, as one by one (a plan with two installments in the
        // group is told twice).
        futures::future::join_all(posted.iter().map(|(m, _)| self.plan_changed(m.plan.id))).await;
        for (member, _) in &posted {
            done.insert(
                member.attempt.id,
                DebitOutcome::Collected(member.attempt.amount_fen),
            );
        }
        for member in &short {
            done.insert(
                member.attempt.id,
                DebitOutcome::Insufficient(self.next_try(member, today)),
            );
        }
        Ok(done)
    }

    /// The attempts of `ids` still queued whose plan is active on the bank's own ledger,
    /// by attempt id (read before the transaction; re-checked in it).
    async fn group_candidates(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Candidate>> {
        // By primary key alone, the status checked here: a close of business makes
        // 100,000 attempts `QUEUED` in seconds, faster than PostgreSQL's statistics
        // follow, and with the status in the `WHERE` it planned on the status index (57 ms
        // a group instead of 2).
        let attempts: Vec<debit_attempt::Model> = debit_attempt::Entity::find()
            .filter(debit_attempt::Column::Id.is_in(ids.iter().copied()))
            .all(self.db())
            .await?
            .into_iter()
            .filter(|a| a.status == DebitStatus::Queued)
            .collect();
        if attempts.is_empty() {
            return Ok(HashMap::new());
        }
        let plans: HashMap<Uuid, installment_plan::Model> = installment_plan::Entity::find()
            .filter(installment_plan::Column::Id.is_in(attempts.iter().map(|a| a.plan_id)))
            .filter(installment_plan::Column::Status.eq(ACTIVE_PLAN))
            .filter(installment_plan::Column::PlatformCode.eq(INTERNAL_CODE))
            .all(self.db())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut entries_seen = HashSet::new();
        let mut found = HashMap::new();
        for attempt in attempts {
            // One debit per installment in a group: a second would be reckoned on the
            // installment as it was before the first.
            if !entries_seen.insert(attempt.entry_id) {
                continue;
            }
            if let Some(plan) = plans.get(&attempt.plan_id) {
                let plan = plan.clone();
                found.insert(attempt.id, Candidate { attempt, plan });
            }
        }
        Ok(found)
    }

    /// The members of the group: each locked, still-queued candidate whose installment,
    /// read in the transaction with its late charge accrued to `today`, still owes at
    /// least the attempt's amount (otherwise it runs one by one, which says why).
    async fn group_members<'a>(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        candidates: &'a HashMap<Uuid, Candidate>,
        queued: &HashSet<Uuid>,
        today: chrono::NaiveDate,
    ) -> DomainResult<Vec<Member<'a>>> {
        let taken: Vec<&Candidate> = candidates
            .values()
            .filter(|c| queued.contains(&c.attempt.id))
            .collect();
        // Locked too: what the group writes back is reckoned on these rows.
        let entries: HashMap<Uuid, plan_entry::Model> = plan_entry::Entity::find()
            .filter(plan_entry::Column::Id.is_in(taken.iter().map(|c| c.attempt.entry_id)))
            .order_by_asc(plan_entry::Column::Id)
            .lock(LockType::NoKeyUpdate)
            .all(txn)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let mut members = Vec::with_capacity(taken.len());
        for c in taken {
            let Some(entry) = entries.get(&c.attempt.entry_id) else {
                continue;
            };
            let mut installment = store::installment(entry)?;
            installment.accrue(&store::terms(&c.plan), today);
            if installment.owed().total() < c.attempt.amount_fen {
                continue;
            }
            members.push(Member {
                attempt: &c.attempt,
                plan: &c.plan,
                entry: entry.clone(),
                installment,
                key: debit_key(entry.id, c.attempt.attempt),
            });
        }
        // The same order as the attempts' locks, for the ledger's statements.
        members.sort_by_key(|m| m.attempt.id);
        Ok(members)
    }

    /// Posts the collected debits of the group: attempts `SUCCEEDED`, payments, their
    /// installments and plans; answers their receipts.
    async fn post_group(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        posted: &[(&Member<'_>, String)],
        today: chrono::NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<Notice>> {
        if posted.is_empty() {
            return Ok(Vec::new());
        }
        let at = store::millis(now);
        let mut after = Vec::with_capacity(posted.len());
        let mut payments = Vec::with_capacity(posted.len());
        for (member, reference) in posted {
            let mut installment = member.installment.clone();
            let share = installment.pay(member.attempt.amount_fen);
            if share.total() != member.attempt.amount_fen {
                return Err(DomainError::Internal(format!(
                    "debit {} collected {} fen but the installment owes {}",
                    member.attempt.id,
                    member.attempt.amount_fen,
                    share.total()
                )));
            }
            payments.push(
                store::Posting {
                    plan_id: member.plan.id,
                    entry_id: Some(member.entry.id),
                    kind: PaymentKind::AutoDebit,
                    source_key: member.key.clone(),
                    share,
                    reference,
                }
                .row(today, at),
            );
            after.push(installment);
        }
        let moved = debit_attempt::Entity::update_many()
            .col_expr(
                debit_attempt::Column::Status,
                Expr::value(DebitStatus::Succeeded),
            )
            .col_expr(
                debit_attempt::Column::Reference,
                per_row(
                    debit_attempt::Column::Id,
                    debit_attempt::Column::Reference,
                    posted.iter().map(|(m, r)| (m.attempt.id, Some(r.clone()))),
                ),
            )
            .col_expr(debit_attempt::Column::FinishedAt, Expr::value(at))
            // Locked and seen queued in this transaction: by primary key alone.
            .filter(debit_attempt::Column::Id.is_in(posted.iter().map(|(m, _)| m.attempt.id)))
            .exec(txn)
            .await?
            .rows_affected;
        if moved != posted.len() as u64 {
            return Err(DomainError::Internal(format!(
                "{moved} of {} locked debit attempts were found",
                posted.len()
            )));
        }
        plan_payment::Entity::insert_many(payments)
            .exec_without_returning(txn)
            .await?;
        let saved: Vec<(&plan_entry::Model, &Installment)> = posted
            .iter()
            .zip(&after)
            .map(|((m, _), a)| (&m.entry, a))
            .collect();
        store::save_installments(txn, &saved, today).await?;
        let mut plans: Vec<Uuid> = posted.iter().map(|(m, _)| m.plan.id).collect();
        plans.sort_unstable();
        plans.dedup();
        let tallies = store::refresh_plans(txn, &plans, today, at).await?;
        // Each receipt counts the installments paid as one by one would have: a plan's
        // later installments in the group, settled after this one, are not yet paid.
        let mut later_settled: HashMap<Uuid, i64> = HashMap::new();
        let mut receipts: Vec<Notice> = Vec::with_capacity(posted.len());
        for ((m, _), a) in posted.iter().zip(&after).rev() {
            let Some(tally) = tallies.get(&m.plan.id) else {
                continue;
            };
            let later = later_settled.entry(m.plan.id).or_insert(0);
            let tally = store::Tally {
                paid: tally.paid - *later,
                total: tally.total,
            };
            if a.settled() {
                *later += 1;
            }
            receipts.push(store::receipt(m.plan, m.attempt.amount_fen, &m.key, tally));
        }
        receipts.reverse();
        Ok(receipts)
    }

    /// Records the debits of the group that found too little money: attempts
    /// `INSUFFICIENT`, their installments collected next on the retry day; answers the
    /// customers' notices.
    async fn short_group(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        short: &[&Member<'_>],
        today: chrono::NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<Notice>> {
        if short.is_empty() {
            return Ok(Vec::new());
        }
        let next: Vec<Option<String>> = short
            .iter()
            .map(|m| self.next_try(m, today).map(store::text))
            .collect();
        let moved = debit_attempt::Entity::update_many()
            .col_expr(
                debit_attempt::Column::Status,
                Expr::value(DebitStatus::Insufficient),
            )
            .col_expr(
                debit_attempt::Column::Reason,
                Expr::value(Some("insufficient funds".to_owned())),
            )
            .col_expr(
                debit_attempt::Column::FinishedAt,
                Expr::value(store::millis(now)),
            )
            .filter(debit_attempt::Column::Id.is_in(short.iter().map(|m| m.attempt.id)))
            .exec(txn)
            .await?
            .rows_affected;
        if moved != short.len() as u64 {
            return Err(DomainError::Internal(format!(
                "{moved} of {} locked debit attempts were found",
                short.len()
            )));
        }
        let retried: Vec<(&Member<'_>, Option<String>)> = short
            .iter()
            .zip(&next)
            .filter(|(_, n)| n.is_some())
            .map(|(m, n)| (*m, n.clone()))
            .collect();
        if !retried.is_empty() {
            // Each attempt counted, so close of business makes the next one on its day
            // (repayment/cob.rs).
            plan_entry::Entity::update_many()
                .col_expr(
                    plan_entry::Column::CollectOn,
                    per_row(
                        plan_entry::Column::Id,
                        plan_entry::Column::CollectOn,
                        retried.iter().map(|(m, n)| (m.entry.id, n.clone())),
                    ),
                )
                .col_expr(
                    plan_entry::Column::Attempts,
                    per_row(
                        plan_entry::Column::Id,
                        plan_entry::Column::Attempts,
                        retried.iter().map(|(m, _)| (m.entry.id, m.attempt.attempt)),
                    ),
                )
                .filter(plan_entry::Column::Id.is_in(retried.iter().map(|(m, _)| m.entry.id)))
                .filter(plan_entry::Column::Status.ne(store::PAID))
                .exec(txn)
                .await?;
        }
        Ok(short
            .iter()
            .zip(&next)
            .map(|(m, n)| debit_failed(m.plan.customer_id, m.attempt, m.entry.period, n.as_deref()))
            .collect())
    }

    /// When a short debit's installment is collected next: the next retry day, never
    /// before tomorrow; none once the retries are spent.
    fn next_try(&self, member: &Member<'_>, today: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        retry_day(
            member.installment.due_date,
            u32::try_from(member.attempt.attempt).unwrap_or(u32::MAX),
            &self.settings().debit_retry_days,
        )
        .map(|d| d.max(today + chrono::Days::new(1)))
    }
}
