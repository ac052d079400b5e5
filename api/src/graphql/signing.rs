//! Signing: `requestSigningCode`, `signAgreement`, `recordPaperSignature`,
//! `countersignAgreement`, and the demo-mode `demoOutbox`. Thin: parse, authorize (the
//! guard, then the domain's own check), call the use case, shape.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::agreements::signing::{CodeSent, OutboxView, SignatureView};
use domain::auth::Permission;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::parse_id;

/// A signing code sent.
#[derive(SimpleObject)]
pub struct SigningCodeSent {
    /// The channel it went through (`sms`, `email`, `app`).
    pub channel: String,
    /// Until when it is valid (5 minutes).
    pub expires_at: DateTime<Utc>,
}

impl From<CodeSent> for SigningCodeSent {
    fn from(c: CodeSent) -> Self {
        Self {
            channel: c.channel,
            expires_at: c.expires_at,
        }
    }
}

/// A signature on an agreement.
#[derive(SimpleObject)]
pub struct AgreementSignature {
    /// `CUSTOMER` or `BANK`.
    pub side: String,
    /// `CODE`, `PAPER` or `COUNTERSIGN`.
    pub method: String,
    /// When.
    pub signed_at: DateTime<Utc>,
    /// The SHA-256 of the document signed.
    pub document_sha256: String,
    /// The client address of an electronic signature.
    pub client_addr: Option<String>,
}

impl From<SignatureView> for AgreementSignature {
    fn from(s: SignatureView) -> Self {
        Self {
            side: s.side,
            method: s.method,
            signed_at: s.signed_at,
            document_sha256: s.document_sha256,
            client_addr: s.client_addr,
        }
    }
}

/// A message in the demo outbox.
#[derive(SimpleObject)]
pub struct OutboxMessage {
    /// The customer.
    pub customer_id: ID,
    /// The channel.
    pub channel: String,
    /// What it is (`signing_code`).
    pub kind: String,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<OutboxView> for OutboxMessage {
    fn from(m: OutboxView) -> Self {
        Self {
            customer_id: ID(m.customer_id.to_string()),
            channel: m.channel,
            kind: m.kind,
            body: m.body,
            created_at: m.created_at,
        }
    }
}

/// Signing queries.
#[derive(Default)]
pub struct SigningQuery;

#[Object]
impl SigningQuery {
    /// The signatures of an agreement, oldest first: its customer, or staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAgreement)")]
    async fn agreement_signatures(
        &self,
        ctx: &Context<'_>,
        agreement_id: ID,
    ) -> async_graphql::Result<Vec<AgreementSignature>> {
        let caller = ctx.caller().await?;
        let id = parse_id(&agreement_id, "agreementId")?;
        Ok(ctx
            .domain()?
            .agreement_signatures(id, &caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The latest 50 messages of the demo outbox (admins; only where `FENQI_DEMO_OUTBOX`
    /// is on, the embedded default): how a demo or a test reads a signing code.
    #[graphql(guard = "RoleGuard::new(Permission::ReadDemoOutbox)")]
    async fn demo_outbox(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OutboxMessage>> {
        let caller = ctx.caller().await?;
        Ok(ctx
            .domain()?
            .demo_outbox(&caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Signing mutations.
#[derive(Default)]
pub struct SigningMutation;

#[Object]
impl SigningMutation {
    /// Sends the customer a one-time 6-digit code for their agreement (valid 5 minutes;
    /// a new request voids the old code).
    #[graphql(guard = "RoleGuard::new(Permission::SignAgreement)")]
    async fn request_signing_code(
        &self,
        ctx: &Context<'_>,
        agreement_id: ID,
    ) -> async_graphql::Result<SigningCodeSent> {
        let caller = ctx.caller().await?;
        let id = parse_id(&agreement_id, "agreementId")?;
        ctx.domain()?
            .request_signing_code(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// The customer signs with the code (5 wrong tries void it).
    #[graphql(guard = "RoleGuard::new(Permission::SignAgreement)")]
    async fn sign_agreement(
        &self,
        ctx: &Context<'_>,
        agreement_id: ID,
        code: String,
    ) -> async_graphql::Result<AgreementSignature> {
        let caller = ctx.caller().await?;
        let id = parse_id(&agreement_id, "agreementId")?;
        ctx.domain()?
            .sign_agreement(id, &code, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// An agent records the customer's paper signature: the scanned file's SHA-256 and a
    /// witness.
    #[graphql(guard = "RoleGuard::new(Permission::CountersignAgreement)")]
    async fn record_paper_signature(
        &self,
        ctx: &Context<'_>,
        agreement_id: ID,
        scan_sha256: String,
        witness: String,
    ) -> async_graphql::Result<AgreementSignature> {
        let caller = ctx.caller().await?;
        let id = parse_id(&agreement_id, "agreementId")?;
        ctx.domain()?
            .record_paper_signature(id, &scan_sha256, &witness, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// The bank countersigns (an agent), after the customer: the application is `SIGNED`.
    #[graphql(guard = "RoleGuard::new(Permission::CountersignAgreement)")]
    async fn countersign_agreement(
        &self,
        ctx: &Context<'_>,
        agreement_id: ID,
    ) -> async_graphql::Result<AgreementSignature> {
        let caller = ctx.caller().await?;
        let id = parse_id(&agreement_id, "agreementId")?;
        ctx.domain()?
            .countersign_agreement(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
