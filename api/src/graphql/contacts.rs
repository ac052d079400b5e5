//! The contact log: `logContact`, `contacts`, `contactWorkList`. Thin: parse, authorize
//! (the guard, then the domain's own check), call the use case, shape.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::auth::Permission;
use domain::negotiation::contacts::NewContact;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::Date;
use super::types::contact::{Contact, ContactDirectionGql, ContactLog, ContactMediumGql};
use super::types::parse_id;

/// A contact as an agent records it.
#[derive(InputObject)]
pub struct LogContactInput {
    /// The application it was about.
    pub application_id: ID,
    /// How.
    pub medium: ContactMediumGql,
    /// Who reached whom.
    pub direction: ContactDirectionGql,
    /// What was said, 2–2,000 characters.
    pub summary: String,
    /// The next step agreed (with its due day), if any.
    pub next_step: Option<String>,
    /// When the next step is due.
    pub next_step_due: Option<Date>,
    /// When the contact happened (now when left out; never in the future).
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Contact queries.
#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// An application's contacts, newest first, beside the customer's channel
    /// preferences and quiet hours.
    #[graphql(guard = "RoleGuard::new(Permission::ReadContacts)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
    ) -> async_graphql::Result<ContactLog> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        ctx.domain()?
            .contacts(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// The calling agent's next steps due today or earlier and not done yet.
    #[graphql(guard = "RoleGuard::new(Permission::LogContact)")]
    async fn contact_work_list(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Contact>> {
        let caller = ctx.caller().await?;
        Ok(ctx
            .domain()?
            .contact_work_list(&caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Contact mutations.
#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Records a contact with a customer (agents); flagged when it fell in quiet hours;
    /// audited.
    #[graphql(guard = "RoleGuard::new(Permission::LogContact)")]
    async fn log_contact(
        &self,
        ctx: &Context<'_>,
        input: LogContactInput,
    ) -> async_graphql::Result<Contact> {
        let caller = ctx.caller().await?;
        let application_id = parse_id(&input.application_id, "applicationId")?;
        ctx.domain()?
            .log_contact(
                NewContact {
                    application_id,
                    channel: input.medium.into(),
                    direction: input.direction.into(),
                    summary: input.summary,
                    next_step: input.next_step,
                    next_step_due: input.next_step_due.map(|d| d.0),
                    occurred_at: input.occurred_at,
                },
                &caller,
            )
            .await
            .gql()
            .map(Into::into)
    }
}
