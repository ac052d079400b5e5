//! Sending what the outbox holds (the worker's `deliver_messages` job, every few
//! seconds). Any number of workers may run it: each claims a batch under a lease with a
//! fresh owner id, and records each outcome only while its claim holds. A worker that dies
//! mid-batch leaves its claim to expire, and the messages are sent by the next one.
//!
//! For each message: outside the customer's contact window it waits for the window to
//! open; otherwise the address is read (the mobile number is unsealed only here, never
//! stored in the outbox) and the channel's notifier takes it. A refusal fails it for good;
//! an unavailable provider is retried with backoff up to [`MAX_ATTEMPTS`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, LockType};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::begin_write;
use uuid::Uuid;

use adapters::notifier::{Envelope, NotifyError};
use entities::outbox_message::{self, OutboxStatus};
use entities::{customer, customer_preference};

use super::window::{ContactWindow, QuietHours};
use crate::clock::to_millis;
use crate::error::DomainResult;
use crate::pii::mobile::MobileNumber;
use crate::service::Domain;

/// Sends tried before a message is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claim holds: longer than any provider's timeout.
const LEASE: Duration = Duration::minutes(2);
/// Messages sent at a time.
const IN_FLIGHT: usize = 16;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRun {
    /// Taken by a provider.
    pub sent: u64,
    /// Held back until the customer's window opens.
    pub deferred: u64,
    /// To be tried again later.
    pub retrying: u64,
    /// Given up.
    pub failed: u64,
}

impl DeliveryRun {
    /// Whether it touched anything.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What became of one message.
enum Outcome {
    Sent {
        provider: String,
        reference: String,
    },
    Wait(DateTime<Utc>),
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    Failed {
        provider: Option<String>,
        error: String,
    },
}

/// The wait before send number `attempts + 1`: 30 s, doubling, at most an hour.
fn backoff(attempts: i32) -> Duration {
    let doubling = attempts.clamp(0, 7) as u32;
    Duration::seconds(30 * 2i64.pow(doubling)).min(Duration::hours(1))
}

impl Domain {
    /// Sends up to `limit` messages whose time has come (see the module documentation).
    pub async fn deliver_messages(&self, limit: u64) -> DomainResult<DeliveryRun> {
        let now = self.now();
        let at = to_millis(now);
        let owner = Uuid::now_v7().to_string();
        let free = Condition::any()
            .add(outbox_message::Column::LeaseUntil.is_null())
            .add(outbox_message::Column::LeaseUntil.lt(at));
        let candidates: Vec<Uuid> = outbox_message::Entity::find()
            .select_only()
            .column(outbox_message::Column::Id)
            .filter(outbox_message::Column::Status.eq(OutboxStatus::Pending.as_str()))
            .filter(outbox_message::Column::NextAttemptAt.lte(at))
            .filter(free.clone())
            .order_by_asc(outbox_message::Column::NextAttemptAt)
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await?;
        if candidates.is_empty() {
            return Ok(DeliveryRun::default());
        }
        // The claim, by primary key alone: the candidates locked by id, checked in
        // memory, leased by id. With the status and lease in its `WHERE`, PostgreSQL
        // planned the claim on the status index of a table that grew faster than its
        // statistics: 93 ms a claim with 100,000 texts held for their window.
        let lease_until = to_millis(now + LEASE);
        let txn = begin_write(self.db()).await?;
        let mut claimed: Vec<outbox_message::Model> = outbox_message::Entity::find()
            .filter(outbox_message::Column::Id.is_in(candidates))
            .lock(LockType::NoKeyUpdate)
            .all(&txn)
            .await?
            .into_iter()
            .filter(|m| {
                m.status == OutboxStatus::Pending.as_str()
                    && m.lease_until.is_none_or(|until| until < at)
            })
            .collect();
        if !claimed.is_empty() {
            outbox_message::Entity::update_many()
                .col_expr(outbox_message::Column::LeaseUntil, Expr::value(lease_until))
                .col_expr(
                    outbox_message::Column::LeaseOwner,
                    Expr::value(owner.clone()),
                )
                .filter(outbox_message::Column::Id.is_in(claimed.iter().map(|m| m.id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        for m in &mut claimed {
            m.lease_until = Some(lease_until);
            m.lease_owner = Some(owner.clone());
        }
        let people = self.recipients(&claimed).await?;
        let outcomes: Vec<(outbox_message::Model, Outcome)> = futures::stream::iter(claimed)
            .map(|m| async {
                let outcome = self.deliver_one(&m, people.get(&m.customer_id), now).await;
                (m, outcome)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let mut run = DeliveryRun::default();
        // Messages held for their window are put back in groups, one statement per
        // opening time (a close of business writes thousands before 08:00).
        let mut waiting: HashMap<i64, Vec<Uuid>> = HashMap::new();
        // Messages sent are recorded in groups too, one statement per provider and
        // chunk, each reference chosen by id (a campaign sends 100,000 at once).
        let mut sent: HashMap<String, Vec<(Uuid, String)>> = HashMap::new();
        for (m, outcome) in outcomes {
            if let Outcome::Wait(until) = outcome {
                run.deferred += 1;
                waiting.entry(to_millis(until)).or_default().push(m.id);
                continue;
            }
            if let Outcome::Sent {
                provider,
                reference,
            } = outcome
            {
                run.sent += 1;
                sent.entry(provider).or_default().push((m.id, reference));
                continue;
            }
            let update = outbox_message::Entity::update_many()
                .col_expr(
                    outbox_message::Column::LeaseUntil,
                    Expr::value(Option::<i64>::None),
                )
                .col_expr(
                    outbox_message::Column::LeaseOwner,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    outbox_message::Column::Attempts,
                    Expr::value(m.attempts + 1),
                )
                .filter(outbox_message::Column::Id.eq(m.id))
                .filter(outbox_message::Column::LeaseOwner.eq(owner.as_str()));
            let update = match outcome {
                Outcome::Sent { .. } | Outcome::Wait(_) => continue,
                Outcome::Retry { error, at: next } => {
                    run.retrying += 1;
                    update
                        .col_expr(
                            outbox_message::Column::NextAttemptAt,
                            Expr::value(to_millis(next)),
                        )
                        .col_expr(outbox_message::Column::LastError, Expr::value(error))
                }
                Outcome::Failed { provider, error } => {
                    run.failed += 1;
                    update
                        .col_expr(
                            outbox_message::Column::Status,
                            Expr::value(OutboxStatus::Failed.as_str()),
                        )
                        .col_expr(outbox_message::Column::Provider, Expr::value(provider))
                        .col_expr(outbox_message::Column::LastError, Expr::value(error))
                }
            };
            update.exec(self.db()).await?;
        }
        for (provider, messages) in sent {
            for chunk in messages.chunks(200) {
                let ids: Vec<Uuid> = chunk.iter().map(|(id, _)| *id).collect();
                let mut reference = CaseStatement::new();
                for (id, r) in chunk {
                    reference = reference.case(
                        Expr::col(outbox_message::Column::Id).eq(*id),
                        Expr::value(r.clone()),
                    );
                }
                outbox_message::Entity::update_many()
                    .col_expr(
                        outbox_message::Column::LeaseUntil,
                        Expr::value(Option::<i64>::None),
                    )
                    .col_expr(
                        outbox_message::Column::LeaseOwner,
                        Expr::value(Option::<String>::None),
                    )
                    .col_expr(
                        outbox_message::Column::Attempts,
                        Expr::col(outbox_message::Column::Attempts).add(1),
                    )
                    .col_expr(
                        outbox_message::Column::Status,
                        Expr::value(OutboxStatus::Sent.as_str()),
                    )
                    .col_expr(
                        outbox_message::Column::Provider,
                        Expr::value(provider.clone()),
                    )
                    .col_expr(
                        outbox_message::Column::ProviderRef,
                        Into::<Expr>::into(reference.finally(Expr::value(Option::<String>::None))),
                    )
                    .col_expr(outbox_message::Column::SentAt, Expr::value(at))
                    .col_expr(
                        outbox_message::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(outbox_message::Column::Id.is_in(ids))
                    .filter(outbox_message::Column::LeaseOwner.eq(owner.as_str()))
                    .exec(self.db())
                    .await?;
            }
        }
        for (until, ids) in waiting {
            for chunk in ids.chunks(500) {
                outbox_message::Entity::update_many()
                    .col_expr(outbox_message::Column::NextAttemptAt, Expr::value(until))
                    .col_expr(
                        outbox_message::Column::LeaseUntil,
                        Expr::value(Option::<i64>::None),
                    )
                    .col_expr(
                        outbox_message::Column::LeaseOwner,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(outbox_message::Column::Id.is_in(chunk.to_vec()))
                    .filter(outbox_message::Column::LeaseOwner.eq(owner.as_str()))
                    .exec(self.db())
                    .await?;
            }
        }
        if !run.is_empty() {
            tracing::info!(
                sent = run.sent,
                deferred = run.deferred,
                retrying = run.retrying,
                failed = run.failed,
                "messages delivered"
            );
        }
        Ok(run)
    }

    /// The claimed messages' customers: addresses and quiet hours, two reads.
    async fn recipients(
        &self,
        messages: &[outbox_message::Model],
    ) -> DomainResult<HashMap<Uuid, Recipient>> {
        let mut ids: Vec<Uuid> = messages.iter().map(|m| m.customer_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let quiet: HashMap<Uuid, QuietHours> = customer_preference::Entity::find()
            .filter(customer_preference::Column::CustomerId.is_in(ids.clone()))
            .all(self.db())
            .await?
            .into_iter()
            .filter_map(|p| {
                let span =
                    QuietHours::parse(&format!("{}-{}", p.quiet_hours_start?, p.quiet_hours_end?))?;
                Some((p.customer_id, span))
            })
            .collect();
        Ok(customer::Entity::find()
            .filter(customer::Column::Id.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|c| {
                let recipient = Recipient {
                    email: c.email.clone(),
                    mobile_sealed: c.mobile_enc.clone(),
                    anonymized: c.anonymized_at.is_some(),
                    quiet: quiet.get(&c.id).copied(),
                };
                (c.id, recipient)
            })
            .collect())
    }

    async fn deliver_one(
        &self,
        m: &outbox_message::Model,
        recipient: Option<&Recipient>,
        now: DateTime<Utc>,
    ) -> Outcome {
        let failed = |error: &str| Outcome::Failed {
            provider: None,
            error: error.to_owned(),
        };
        let Some(recipient) = recipient.filter(|r| !r.anonymized) else {
            return failed("the customer's personal data has been erased");
        };
        if m.respects_window {
            let window = ContactWindow {
                timezone: self.settings().timezone,
                guideline: self.settings().contact_quiet_hours,
                customer: recipient.quiet,
            };
            let open = window.next_open(now);
            if open > now {
                return Outcome::Wait(open);
            }
        }
        let (notifier, to) = match m.channel.as_str() {
            "email" => match &recipient.email {
                Some(e) => (self.notifiers().email.clone(), e.clone()),
                None => return failed("no e-mail address on file"),
            },
            "sms" => match recipient
                .mobile_sealed
                .as_deref()
                .map(|s| self.keys().open(MobileNumber::PURPOSE, s))
            {
                Some(Ok(mobile)) => (self.notifiers().sms.clone(), mobile),
                Some(Err(e)) => return failed(&e.to_string()),
                None => return failed("no mobile number on file"),
            },
            other => return failed(&format!("no way to send on channel '{other}'")),
        };
        let envelope = Envelope {
            reference: m.id.to_string(),
            to,
            subject: m.subject.clone(),
            body: m.body.clone(),
        };
        let provider = notifier.name().to_owned();
        match notifier.send(&envelope).await {
            Ok(done) => Outcome::Sent {
                provider,
                reference: done.provider_ref,
            },
            Err(NotifyError::Rejected(e)) => Outcome::Failed {
                provider: Some(provider),
                error: e,
            },
            Err(NotifyError::Unavailable(e)) if m.attempts + 1 >= MAX_ATTEMPTS => Outcome::Failed {
                provider: Some(provider),
                error: format!("gave up after {MAX_ATTEMPTS} attempts: {e}"),
            },
            Err(NotifyError::Unavailable(e)) => {
                tracing::warn!(message = %m.id, channel = %m.channel, error = %e, "a message could not be sent; will retry");
                Outcome::Retry {
                    error: e,
                    at: now + backoff(m.attempts),
                }
            }
        }
    }
}

/// Where and when one customer is reached.
struct Recipient {
    email: Option<String>,
    mobile_sealed: Option<String>,
    anonymized: bool,
    quiet: Option<QuietHours>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_thirty_seconds_to_an_hour() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(6), Duration::seconds(1920));
        assert_eq!(backoff(7), Duration::hours(1));
        assert_eq!(backoff(100), Duration::hours(1));
    }
}
