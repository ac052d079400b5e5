//! Signing (签署协议). The customer signs electronically with a one-time 6-digit code sent
//! through their first chosen channel (valid 5 minutes; 5 wrong tries void it; a new
//! request voids the old one; stored only as a keyed hash), recording signer, method,
//! time, client address, user agent, the document's SHA-256 and the consent wording; or an
//! agent records a paper signature with the scanned file's SHA-256 and a witness. The bank
//! countersigns (an agent) after the customer: the application is then `SIGNED`. One
//! signature per side. Codes go through the notification outbox (`crate::notices`) at
//! once, whatever the hour (the customer asked for it); where no SMTP server or SMS
//! gateway is set they stay in the outbox, which admins can read only where
//! `FENQI_DEMO_OUTBOX` is on (the embedded demo).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::{
    agreement, agreement_signature, customer_preference, installment_application, outbox_message,
    signing_code,
};

use crate::applications::{ApplicationStatus, Step, lifecycle, steps};
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::notices::Message;
use crate::notices::outbox::{self, Notice};
use crate::platforms::registry::parse_channels;
use crate::service::Domain;

/// What the customer confirms when signing.
pub const CONSENT_WORDING: &str = "本人已阅读并理解本协议全部条款（包括年化利率、费用、逾期及提前还款条款），同意签署。\
I have read and understood every term of this agreement, including the APR, fees, late-payment and early-repayment terms, and agree to sign it.";

/// How long a code is valid.
const CODE_MINUTES: i64 = 5;
/// Wrong tries that void a code.
const MAX_TRIES: i32 = 5;

/// A code sent.
#[derive(Debug, Clone)]
pub struct CodeSent {
    /// The channel it went through.
    pub channel: String,
    /// Until when it is valid.
    pub expires_at: DateTime<Utc>,
}

/// A signature as recorded.
#[derive(Debug, Clone)]
pub struct SignatureView {
    /// `CUSTOMER` or `BANK`.
    pub side: String,
    /// `CODE`, `PAPER` or `COUNTERSIGN`.
    pub method: String,
    /// When.
    pub signed_at: DateTime<Utc>,
    /// The document's SHA-256 it signed.
    pub document_sha256: String,
    /// The client address, for a code signature.
    pub client_addr: Option<String>,
}

impl From<&agreement_signature::Model> for SignatureView {
    fn from(m: &agreement_signature::Model) -> Self {
        Self {
            side: m.side.clone(),
            method: m.method.clone(),
            signed_at: from_millis(m.signed_at),
            document_sha256: m.document_sha256.clone(),
            client_addr: m.client_addr.clone(),
        }
    }
}

/// A message in the demo outbox.
#[derive(Debug, Clone)]
pub struct OutboxView {
    /// The customer.
    pub customer_id: Uuid,
    /// The channel.
    pub channel: String,
    /// What it is.
    pub kind: String,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A uniformly random 6-digit code.
fn six_digits() -> DomainResult<String> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)
            .map_err(|e| DomainError::Internal(format!("no randomness: {e}")))?;
        let n = u32::from_le_bytes(bytes);
        // Reject the top sliver so that every code is equally likely.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

impl Domain {
    fn code_hash(&self, agreement_id: Uuid, code: &str) -> String {
        self.keys()
            .blind_index("signing-code", &format!("{agreement_id}:{code}"))
    }

    /// The agreement and its application, for a step of signing.
    async fn signing_target(
        &self,
        agreement_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<(agreement::Model, installment_application::Model)> {
        self.agreement(agreement_id, caller).await?;
        let a = agreement::Entity::find_by_id(agreement_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No agreement has this id.".into()))?;
        let app = installment_application::Entity::find_by_id(a.application_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("an agreement without its application".into()))?;
        if app.status != ApplicationStatus::Agreed {
            return Err(DomainError::Conflict(format!(
                "This application is {}; an agreement is signed while it is AGREED.",
                lifecycle::name(app.status)
            )));
        }
        Ok((a, app))
    }

    async fn customer_signed(&self, agreement_id: Uuid) -> DomainResult<bool> {
        Ok(agreement_signature::Entity::find()
            .filter(agreement_signature::Column::AgreementId.eq(agreement_id))
            .filter(agreement_signature::Column::Side.eq("CUSTOMER"))
            .one(self.db())
            .await?
            .is_some())
    }

    /// Sends the customer a new one-time code (voiding any earlier one).
    pub async fn request_signing_code(
        &self,
        agreement_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<CodeSent> {
        caller.require(Permission::SignAgreement)?;
        let (a, _) = self.signing_target(agreement_id, caller).await?;
        if self.customer_signed(agreement_id).await? {
            return Err(DomainError::Conflict(
                "You have signed this agreement already.".into(),
            ));
        }
        let channel = customer_preference::Entity::find_by_id(a.customer_id)
            .one(self.db())
            .await?
            .and_then(|p| {
                parse_channels(&p.channels)
                    .first()
                    .map(|c| c.as_str().to_owned())
            })
            .unwrap_or_else(|| "sms".to_owned());
        let code = six_digits()?;
        let now = self.now();
        let expires = now + Duration::minutes(CODE_MINUTES);
        let txn = begin_write(self.db()).await?;
        signing_code::Entity::update_many()
            .col_expr(signing_code::Column::VoidedAt, Expr::value(to_millis(now)))
            .filter(signing_code::Column::AgreementId.eq(agreement_id))
            .filter(signing_code::Column::VoidedAt.is_null())
            .filter(signing_code::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        signing_code::ActiveModel {
            id: Set(Uuid::now_v7()),
            agreement_id: Set(agreement_id),
            code_hash: Set(self.code_hash(agreement_id, &code)),
            attempts: Set(0),
            expires_at: Set(to_millis(expires)),
            voided_at: Set(None),
            used_at: Set(None),
            created_at: Set(to_millis(now)),
        }
        .insert(&txn)
        .await?;
        outbox::write(
            &txn,
            now,
            &[Notice {
                customer_id: a.customer_id,
                plan_id: None,
                message: Message::SigningCode {
                    code: code.clone(),
                    minutes: CODE_MINUTES,
                    agreement_id,
                },
                once: None,
            }],
        )
        .await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "agreement.request_code",
                "agreement",
                Some(agreement_id.to_string()),
            )
            .after(json!({ "channel": channel })),
        )
        .await?;
        txn.commit().await?;
        Ok(CodeSent {
            channel,
            expires_at: expires,
        })
    }

    async fn record_signature(
        &self,
        a: &agreement::Model,
        side: &str,
        method: &str,
        caller: &Caller,
        paper: Option<(String, String)>,
        now: DateTime<Utc>,
    ) -> DomainResult<agreement_signature::Model> {
        let signer = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only a person signs.".into()))?;
        let (scan, witness) = paper.map_or((None, None), |(s, w)| (Some(s), Some(w)));
        let txn = begin_write(self.db()).await?;
        let saved = agreement_signature::ActiveModel {
            id: Set(Uuid::now_v7()),
            agreement_id: Set(a.id),
            side: Set(side.to_owned()),
            method: Set(method.to_owned()),
            signer_id: Set(signer.account_id),
            signed_at: Set(to_millis(now)),
            client_addr: Set(caller.meta.client_addr.clone()),
            user_agent: Set(caller.meta.user_agent.clone()),
            document_sha256: Set(a.sha256.clone()),
            consent_wording: Set(CONSENT_WORDING.to_owned()),
            scan_sha256: Set(scan),
            witness: Set(witness),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                DomainError::Conflict("This side has signed this agreement already.".into())
            } else {
                e.into()
            }
        })?;
        if side == "BANK" {
            let app = installment_application::Entity::find_by_id(a.application_id)
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    DomainError::Internal("an agreement without its application".into())
                })?;
            steps::take(
                &txn,
                &app,
                Step::Sign,
                caller,
                "signed by the customer and countersigned by the bank",
                now,
                |u| u,
            )
            .await?;
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("agreement.sign", "agreement", Some(a.id.to_string())).after(json!({
                "side": side, "method": method, "documentSha256": a.sha256,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// The customer signs with the code sent to them.
    pub async fn sign_agreement(
        &self,
        agreement_id: Uuid,
        code: &str,
        caller: &Caller,
    ) -> DomainResult<SignatureView> {
        caller.require(Permission::SignAgreement)?;
        let (a, _) = self.signing_target(agreement_id, caller).await?;
        let now = self.now();
        let active = signing_code::Entity::find()
            .filter(signing_code::Column::AgreementId.eq(agreement_id))
            .filter(signing_code::Column::VoidedAt.is_null())
            .filter(signing_code::Column::UsedAt.is_null())
            .order_by_desc(signing_code::Column::CreatedAt)
            .order_by_desc(signing_code::Column::Id)
            .limit(1)
            .one(self.db())
            .await?
            .ok_or_else(|| {
                DomainError::Conflict(
                    "There is no code to use; request a signing code first.".into(),
                )
            })?;
        if active.expires_at < to_millis(now) {
            return Err(DomainError::Conflict(
                "This code has expired; request a new one.".into(),
            ));
        }
        if active.code_hash != self.code_hash(agreement_id, code.trim()) {
            let tries = active.attempts + 1;
            let mut update = signing_code::Entity::update_many()
                .col_expr(
                    signing_code::Column::Attempts,
                    Expr::col(signing_code::Column::Attempts).add(1),
                )
                .filter(signing_code::Column::Id.eq(active.id));
            if tries >= MAX_TRIES {
                update =
                    update.col_expr(signing_code::Column::VoidedAt, Expr::value(to_millis(now)));
            }
            update.exec(self.db()).await?;
            return Err(DomainError::validation(
                "code",
                if tries >= MAX_TRIES {
                    format!(
                        "That code is wrong, the {MAX_TRIES}th time: it is void now; request a new one."
                    )
                } else {
                    format!("That code is wrong; {} tries left.", MAX_TRIES - tries)
                },
            ));
        }
        let used = signing_code::Entity::update_many()
            .col_expr(signing_code::Column::UsedAt, Expr::value(to_millis(now)))
            .filter(signing_code::Column::Id.eq(active.id))
            .filter(signing_code::Column::UsedAt.is_null())
            .exec(self.db())
            .await?;
        if used.rows_affected == 0 {
            return Err(DomainError::Conflict(
                "This code was used a moment ago.".into(),
            ));
        }
        self.record_signature(&a, "CUSTOMER", "CODE", caller, None, now)
            .await
            .map(|s| SignatureView::from(&s))
    }

    /// An agent records the customer's signature on paper.
    pub async fn record_paper_signature(
        &self,
        agreement_id: Uuid,
        scan_sha256: &str,
        witness: &str,
        caller: &Caller,
    ) -> DomainResult<SignatureView> {
        caller.require(Permission::CountersignAgreement)?;
        let scan = scan_sha256.trim().to_ascii_lowercase();
        if scan.len() != 64 || !scan.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(DomainError::validation(
                "scanSha256",
                "Give the scanned file's SHA-256 as 64 hex characters.",
            ));
        }
        let witness = witness.trim();
        if !(2..=100).contains(&witness.chars().count()) {
            return Err(DomainError::validation(
                "witness",
                "Name the witness (2 to 100 characters).",
            ));
        }
        let (a, _) = self.signing_target(agreement_id, caller).await?;
        self.record_signature(
            &a,
            "CUSTOMER",
            "PAPER",
            caller,
            Some((scan, witness.to_owned())),
            self.now(),
        )
        .await
        .map(|s| SignatureView::from(&s))
    }

    /// The bank countersigns (an agent), after the customer: the application is `SIGNED`.
    pub async fn countersign_agreement(
        &self,
        agreement_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<SignatureView> {
        caller.require(Permission::CountersignAgreement)?;
        let (a, _) = self.signing_target(agreement_id, caller).await?;
        if !self.customer_signed(agreement_id).await? {
            return Err(DomainError::Conflict(
                "The customer has not signed yet; the bank countersigns after.".into(),
            ));
        }
        let signature = self
            .record_signature(&a, "BANK", "COUNTERSIGN", caller, None, self.now())
            .await?;
        // Signed: open the plan now; a platform that does not answer leaves the
        // application SIGNED with the reason, and the `open_plans` job tries again.
        if let Err(e) = self.open_signed_plan(a.application_id, caller).await {
            tracing::warn!(application = %a.application_id, error = %e, "the plan did not open at signing");
        }
        Ok(SignatureView::from(&signature))
    }

    /// The signatures of an agreement.
    pub async fn agreement_signatures(
        &self,
        agreement_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<Vec<SignatureView>> {
        self.agreement(agreement_id, caller).await?;
        Ok(agreement_signature::Entity::find()
            .filter(agreement_signature::Column::AgreementId.eq(agreement_id))
            .order_by_asc(agreement_signature::Column::SignedAt)
            .all(self.db())
            .await?
            .iter()
            .map(SignatureView::from)
            .collect())
    }

    /// The demo outbox, newest first: admins, and only where `FENQI_DEMO_OUTBOX` is on.
    pub async fn demo_outbox(&self, caller: &Caller) -> DomainResult<Vec<OutboxView>> {
        caller.require(Permission::ReadDemoOutbox)?;
        if !self.settings().demo_outbox {
            // Switched off, it does not exist here (the role may read it where it does).
            return Err(DomainError::NotFound(
                "There is no demo outbox here: it is readable only in the embedded demo (FENQI_DEMO_OUTBOX=on).".into(),
            ));
        }
        Ok(outbox_message::Entity::find()
            .order_by_desc(outbox_message::Column::CreatedAt)
            .order_by_desc(outbox_message::Column::Id)
            .limit(50)
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| OutboxView {
                customer_id: m.customer_id,
                channel: m.channel,
                kind: m.kind,
                body: m.body,
                created_at: from_millis(m.created_at),
            })
            .collect())
    }
}
