//! The contact log (初步沟通): agents record each contact with a customer about an
//! application — channel, direction, summary, the next step agreed and its date. Beside
//! the log stand the customer's channel preferences and quiet hours; a contact that fell
//! inside them, or inside 22:00–08:00 local time (the collection guideline), is flagged
//! with the reason. Next steps that fall due make the agent's work list; logging the next
//! contact on the application marks the earlier steps done.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::contact_log::{self, ContactChannel, ContactDirection};
use entities::customer_preference;

use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::customers::Channel;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::platforms::registry::parse_channels;
use crate::service::Domain;

/// A contact as an agent records it.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// The application it was about.
    pub application_id: Uuid,
    /// How.
    pub channel: ContactChannel,
    /// Who reached whom.
    pub direction: ContactDirection,
    /// What was said, 2–2,000 characters.
    pub summary: String,
    /// The next step agreed, if any.
    pub next_step: Option<String>,
    /// When it is due (the bank's local day); required with a next step.
    pub next_step_due: Option<NaiveDate>,
    /// When the contact happened; now when not given (never in the future).
    pub occurred_at: Option<DateTime<Utc>>,
}

/// One recorded contact.
#[derive(Debug, Clone)]
pub struct ContactView {
    /// Its id.
    pub id: Uuid,
    /// The application.
    pub application_id: Uuid,
    /// The customer.
    pub customer_id: Uuid,
    /// The agent's account.
    pub agent_id: Uuid,
    /// How.
    pub channel: ContactChannel,
    /// Who reached whom.
    pub direction: ContactDirection,
    /// What was said.
    pub summary: String,
    /// The next step agreed.
    pub next_step: Option<String>,
    /// When it is due.
    pub next_step_due: Option<NaiveDate>,
    /// When it was done (the next contact).
    pub next_step_done_at: Option<DateTime<Utc>>,
    /// When the contact happened.
    pub occurred_at: DateTime<Utc>,
    /// Why it is flagged, when it fell in quiet hours.
    pub quiet_hours: Option<String>,
}

impl From<&contact_log::Model> for ContactView {
    fn from(m: &contact_log::Model) -> Self {
        Self {
            id: m.id,
            application_id: m.application_id,
            customer_id: m.customer_id,
            agent_id: m.agent_id,
            channel: m.channel,
            direction: m.direction,
            summary: m.summary.clone(),
            next_step: m.next_step.clone(),
            next_step_due: m
                .next_step_due
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            next_step_done_at: m.next_step_done_at.map(from_millis),
            occurred_at: from_millis(m.occurred_at),
            quiet_hours: m.quiet_hours.clone(),
        }
    }
}

/// An application's contacts with the customer's preferences beside them.
#[derive(Debug, Clone)]
pub struct ContactLogView {
    /// The application.
    pub application_id: Uuid,
    /// The channels the customer chose, first choice first.
    pub channels: Vec<Channel>,
    /// The customer's quiet hours, if they set them.
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
    /// Every contact, newest first.
    pub entries: Vec<ContactView>,
}

/// The collection guideline's night: no contact from 22:00 to 08:00 local time.
const NIGHT: (u32, u32) = (22, 8);

fn inside(t: NaiveTime, start: NaiveTime, end: NaiveTime) -> bool {
    if start <= end {
        t >= start && t < end
    } else {
        t >= start || t < end
    }
}

/// Why a contact at local time `t` falls in quiet hours, if it does: the guideline's
/// night, or the customer's own quiet hours (either may wrap midnight).
pub fn quiet_reason(t: NaiveTime, customer: Option<(NaiveTime, NaiveTime)>) -> Option<String> {
    let hm = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    if inside(t, hm(NIGHT.0), hm(NIGHT.1)) {
        return Some(format!(
            "{} is inside 22:00–08:00, when the collection guideline allows no contact.",
            t.format("%H:%M")
        ));
    }
    if let Some((start, end)) = customer
        && inside(t, start, end)
    {
        return Some(format!(
            "{} is inside the customer's quiet hours {}–{}.",
            t.format("%H:%M"),
            start.format("%H:%M"),
            end.format("%H:%M")
        ));
    }
    None
}

/// The customer's own quiet hours, when both ends are set.
pub(crate) fn customer_quiet(
    p: Option<&customer_preference::Model>,
) -> Option<(NaiveTime, NaiveTime)> {
    let p = p?;
    let t = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| NaiveTime::parse_from_str(s, "%H:%M").ok())
    };
    Some((t(&p.quiet_hours_start)?, t(&p.quiet_hours_end)?))
}

impl Domain {
    /// Records a contact (agents); audited. Earlier open next steps of the application
    /// are marked done: this contact is the next one.
    pub async fn log_contact(
        &self,
        input: NewContact,
        caller: &Caller,
    ) -> DomainResult<ContactView> {
        caller.require(Permission::LogContact)?;
        let agent = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only an agent records contacts.".into()))?;
        let application = self
            .application(input.application_id, false, caller)
            .await?;
        let summary = input.summary.trim().to_owned();
        if !(2..=2000).contains(&summary.chars().count()) {
            return Err(DomainError::validation(
                "summary",
                "Summarize the contact in 2 to 2,000 characters.",
            ));
        }
        let next_step = input
            .next_step
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if next_step.is_some() != input.next_step_due.is_some() {
            return Err(DomainError::validation(
                "nextStepDue",
                "Give a next step together with the day it is due, or neither.",
            ));
        }
        if next_step.as_ref().is_some_and(|s| s.chars().count() > 500) {
            return Err(DomainError::validation(
                "nextStep",
                "Say the next step in at most 500 characters.",
            ));
        }
        let now = self.now();
        let occurred = input.occurred_at.unwrap_or(now);
        if occurred > now + Duration::minutes(5) {
            return Err(DomainError::validation(
                "occurredAt",
                "A contact cannot be in the future.",
            ));
        }
        if occurred < now - Duration::days(90) {
            return Err(DomainError::validation(
                "occurredAt",
                "Record contacts within 90 days of them.",
            ));
        }
        let tz = self.settings().timezone;
        let local = occurred.with_timezone(&tz);
        if let Some(due) = input.next_step_due
            && due < local.date_naive()
        {
            return Err(DomainError::validation(
                "nextStepDue",
                "The next step cannot be due before the contact.",
            ));
        }
        let preference = customer_preference::Entity::find_by_id(application.customer_id)
            .one(self.db())
            .await?;
        let quiet = quiet_reason(local.time(), customer_quiet(preference.as_ref()));
        let txn = begin_write(self.db()).await?;
        contact_log::Entity::update_many()
            .col_expr(
                contact_log::Column::NextStepDoneAt,
                Expr::value(to_millis(now)),
            )
            .filter(contact_log::Column::ApplicationId.eq(application.id))
            .filter(contact_log::Column::NextStepDue.is_not_null())
            .filter(contact_log::Column::NextStepDoneAt.is_null())
            .exec(&txn)
            .await?;
        let saved = contact_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(application.id),
            customer_id: Set(application.customer_id),
            agent_id: Set(agent.account_id),
            channel: Set(input.channel),
            direction: Set(input.direction),
            summary: Set(summary),
            next_step: Set(next_step),
            next_step_due: Set(input.next_step_due.map(|d| d.to_string())),
            next_step_done_at: Set(None),
            occurred_at: Set(to_millis(occurred)),
            recorded_at: Set(to_millis(now)),
            quiet_hours: Set(quiet.clone()),
        }
        .insert(&txn)
        .await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "contact.log",
                "application",
                Some(application.id.to_string()),
            )
            .after(json!({
                "contact": saved.id.to_string(),
                "channel": format!("{:?}", saved.channel),
                "direction": format!("{:?}", saved.direction),
                "quietHours": quiet,
                "nextStepDue": saved.next_step_due,
            })),
        )
        .await?;
        txn.commit().await?;
        if saved.quiet_hours.is_some() {
            tracing::warn!(application = %application.id, "a contact was recorded inside quiet hours");
        }
        Ok(ContactView::from(&saved))
    }

    /// An application's contacts, newest first, with the customer's channel preferences
    /// and quiet hours: its customer, or staff.
    pub async fn contacts(
        &self,
        application_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<ContactLogView> {
        caller.require(Permission::ReadContacts)?;
        let application = self.application(application_id, false, caller).await?;
        let preference = customer_preference::Entity::find_by_id(application.customer_id)
            .one(self.db())
            .await?;
        let entries = contact_log::Entity::find()
            .filter(contact_log::Column::ApplicationId.eq(application_id))
            .order_by_desc(contact_log::Column::OccurredAt)
            .limit(500)
            .all(self.db())
            .await?;
        Ok(ContactLogView {
            application_id,
            channels: preference
                .as_ref()
                .map(|p| parse_channels(&p.channels))
                .unwrap_or_default(),
            quiet_hours: customer_quiet(preference.as_ref()),
            entries: entries.iter().map(ContactView::from).collect(),
        })
    }

    /// The calling agent's work list: their next steps due today or earlier and not done,
    /// the most overdue first.
    pub async fn contact_work_list(&self, caller: &Caller) -> DomainResult<Vec<ContactView>> {
        caller.require(Permission::LogContact)?;
        let agent = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only an agent has a work list.".into()))?;
        let today = self
            .now()
            .with_timezone(&self.settings().timezone)
            .date_naive();
        Ok(contact_log::Entity::find()
            .filter(contact_log::Column::AgentId.eq(agent.account_id))
            .filter(contact_log::Column::NextStepDue.lte(today.to_string()))
            .filter(contact_log::Column::NextStepDoneAt.is_null())
            .order_by_asc(contact_log::Column::NextStepDue)
            .limit(200)
            .all(self.db())
            .await?
            .iter()
            .map(ContactView::from)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    #[test]
    fn the_guideline_night_and_the_customer_s_quiet_hours_are_flagged() {
        assert!(quiet_reason(t(22, 0), None).is_some_and(|r| r.contains("22:00–08:00")));
        assert!(quiet_reason(t(7, 59), None).is_some());
        assert_eq!(quiet_reason(t(8, 0), None), None);
        assert_eq!(quiet_reason(t(21, 59), None), None);
        let lunch = Some((t(12, 0), t(13, 30)));
        assert!(quiet_reason(t(12, 30), lunch).is_some_and(|r| r.contains("12:00–13:30")));
        assert_eq!(quiet_reason(t(13, 30), lunch), None);
        let evening = Some((t(21, 30), t(8, 0)));
        assert!(quiet_reason(t(21, 45), evening).is_some_and(|r| r.contains("customer")));
    }
}
