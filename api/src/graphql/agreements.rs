//! Agreements: `issueAgreement`, `agreement(id)`, `verifyAgreement`. The document itself
//! is served at `GET /agreements/{id}.html`. Thin: parse, authorize (the guard, then the
//! domain's own check), call the use case, shape.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::agreements::{AgreementView, Verification};
use domain::auth::Permission;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::parse_id;

/// An issued agreement.
#[derive(SimpleObject)]
pub struct Agreement {
    /// Its id (also its number).
    pub id: ID,
    /// The application.
    pub application_id: ID,
    /// The customer.
    pub customer_id: ID,
    /// The template's version.
    pub template: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// SHA-256 (hex) of the document, fixed when it was issued.
    pub sha256: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Where the document is: `/agreements/{id}.html` (with the same bearer token).
    pub html_url: String,
    /// The same agreement as a PDF: `/agreements/{id}.pdf` (same token), its Chinese text
    /// set in an embedded font and extractable; each page names the HTML's SHA-256.
    pub pdf_url: String,
}

impl From<AgreementView> for Agreement {
    fn from(a: AgreementView) -> Self {
        Self {
            html_url: format!("/agreements/{}.html", a.id),
            pdf_url: format!("/agreements/{}.pdf", a.id),
            id: ID(a.id.to_string()),
            application_id: ID(a.application_id.to_string()),
            customer_id: ID(a.customer_id.to_string()),
            template: a.template,
            language: a.language,
            sha256: a.sha256,
            issued_at: a.issued_at,
        }
    }
}

/// Whether an agreement is as issued.
#[derive(SimpleObject)]
pub struct AgreementVerification {
    /// True when nothing differs.
    pub intact: bool,
    /// What differs, in words.
    pub differences: Vec<String>,
}

impl From<Verification> for AgreementVerification {
    fn from(v: Verification) -> Self {
        Self {
            intact: v.intact,
            differences: v.differences,
        }
    }
}

/// Agreement queries.
#[derive(Default)]
pub struct AgreementQuery;

#[Object]
impl AgreementQuery {
    /// One agreement: the customer's own, or any for staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAgreement)")]
    async fn agreement(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Agreement> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .agreement(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Recomputes the document's SHA-256 and renders its stored terms again: intact, or
    /// tampered naming what differs.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAgreement)")]
    async fn verify_agreement(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AgreementVerification> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .verify_agreement(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}

/// Agreement mutations.
#[derive(Default)]
pub struct AgreementMutation;

#[Object]
impl AgreementMutation {
    /// Issues the agreement of an `AGREED` application from the accepted version, in the
    /// customer's language (or `language`: `zh-CN`, `en`); once. Agents; audited.
    #[graphql(guard = "RoleGuard::new(Permission::IssueAgreement)")]
    async fn issue_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreed application.")] application_id: ID,
        #[graphql(desc = "`zh-CN` (default unless the customer chose English) or `en`.")] language: Option<String>,
    ) -> async_graphql::Result<Agreement> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        ctx.domain()?
            .issue_agreement(id, language.as_deref(), &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
