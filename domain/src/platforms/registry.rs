//! The registry admins keep: each platform's code, kind, name, address, credentials
//! (sealed at rest, never returned), products, the channels it serves customers through,
//! its policy text and whether it is offered. A change to what customers are shown (the
//! policy or the products' fees) makes a new disclosure version, so a consent always names
//! the exact text that was shown. Every change is audited.

use adapters::platforms::{INTERNAL_CODE, Product};
use sea_orm::{ActiveEnum, ActiveModelTrait, EntityTrait, QueryOrder, Set};
use serde_json::json;

use entities::installment_platform::{self, PlatformKind};

use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission, Role};
use crate::clock::to_millis;
use crate::customers::Channel;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

use super::disclosure::{self, DisclosureView};

/// The purpose under which credentials are sealed.
pub(crate) const CREDENTIALS_PURPOSE: &str = "platform-credentials";

/// A platform as an admin gives it.
#[derive(Debug, Clone)]
pub struct PlatformInput {
    /// `internal`, or a partner's code: 2–32 lower-case letters, digits and dashes.
    pub code: String,
    /// Internal or external.
    pub kind: PlatformKind,
    /// Its name as customers see it.
    pub name: String,
    /// A partner's base URL.
    pub base_url: Option<String>,
    /// Our client id at the partner.
    pub client_id: Option<String>,
    /// The shared HMAC secret; `None` keeps the one on file.
    pub secret: Option<String>,
    /// The products offered.
    pub products: Vec<Product>,
    /// The channels it serves customers through.
    pub channels: Vec<Channel>,
    /// The policy text customers are shown.
    pub policy_text: String,
    /// Whether it is offered.
    pub active: bool,
}

/// A platform as customers and staff see it. Credentials never leave the domain.
#[derive(Debug, Clone)]
pub struct PlatformView {
    /// Its code.
    pub code: String,
    /// Internal or external.
    pub kind: PlatformKind,
    /// Its name.
    pub name: String,
    /// A partner's base URL (staff only).
    pub base_url: Option<String>,
    /// Whether credentials are on file (staff only).
    pub has_credentials: bool,
    /// The products offered.
    pub products: Vec<Product>,
    /// The channels it serves customers through.
    pub channels: Vec<Channel>,
    /// Whether it is offered.
    pub active: bool,
    /// What it discloses now.
    pub disclosure: DisclosureView,
    /// The circuit breaker's state, when the platform has been called (`closed`,
    /// `open`, `half_open`).
    pub breaker: Option<&'static str>,
}

pub(crate) fn parse_products(m: &installment_platform::Model) -> DomainResult<Vec<Product>> {
    serde_json::from_str(&m.products)
        .map_err(|e| DomainError::Internal(format!("platform {} products: {e}", m.code)))
}

pub(crate) fn parse_channels(s: &str) -> Vec<Channel> {
    s.split(',')
        .filter_map(|c| Channel::parse(c.trim()))
        .collect()
}

fn valid_code(code: &str) -> bool {
    (2..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Checks a product for what serde cannot: sane amounts, terms and rates.
fn check_product(p: &Product, cap: rust_decimal::Decimal) -> DomainResult<()> {
    let bad = |message: String| Err(DomainError::validation("products", message));
    if p.code.trim().is_empty() || p.name.trim().is_empty() {
        return bad("Every product needs a code and a name.".into());
    }
    if p.min_amount_fen <= 0 || p.max_amount_fen < p.min_amount_fen {
        return bad(format!(
            "{}: the amount range is empty or not positive.",
            p.code
        ));
    }
    if p.terms.is_empty() || p.terms.iter().any(|t| *t == 0 || *t > 360) {
        return bad(format!("{}: terms must be 1 to 360 installments.", p.code));
    }
    if p.frequencies.is_empty() || p.pricing.is_empty() {
        return bad(format!(
            "{}: give at least one frequency and one grade's pricing.",
            p.code
        ));
    }
    for g in &p.pricing {
        if !["A", "B", "C", "D", "E"].contains(&g.grade.as_str()) {
            return bad(format!("{}: grade {} is not A to E.", p.code, g.grade));
        }
        let ordered = g.min_rate >= rust_decimal::Decimal::ZERO
            && g.min_rate <= g.standard_rate
            && g.standard_rate <= g.max_rate;
        if !ordered || g.max_rate > cap {
            return bad(format!(
                "{}: grade {} rates must satisfy 0 ≤ min ≤ standard ≤ max ≤ {cap}.",
                p.code, g.grade
            ));
        }
    }
    Ok(())
}

impl Domain {
    /// Every platform: active ones for customers, all for staff.
    pub async fn installment_platforms(&self, caller: &Caller) -> DomainResult<Vec<PlatformView>> {
        caller.require(Permission::ReadPlatforms)?;
        let staff = caller.actor.is_some_and(|a| a.role != Role::Customer);
        let rows = installment_platform::Entity::find()
            .order_by_asc(installment_platform::Column::Code)
            .all(self.db())
            .await?;
        let disclosures = disclosure::current_of(self.db(), &rows).await?;
        let mut out = Vec::with_capacity(rows.len());
        for m in rows.iter().filter(|m| staff || m.active) {
            out.push(self.platform_view(m, &disclosures, staff)?);
        }
        Ok(out)
    }

    fn platform_view(
        &self,
        m: &installment_platform::Model,
        disclosures: &std::collections::HashMap<String, DisclosureView>,
        staff: bool,
    ) -> DomainResult<PlatformView> {
        Ok(PlatformView {
            code: m.code.clone(),
            kind: m.kind,
            name: m.name.clone(),
            base_url: if staff { m.base_url.clone() } else { None },
            has_credentials: staff && m.credentials_sealed.is_some(),
            products: parse_products(m)?,
            channels: parse_channels(&m.channels),
            active: m.active,
            disclosure: disclosures.get(&m.code).cloned().ok_or_else(|| {
                DomainError::Internal(format!("platform {} has no disclosure", m.code))
            })?,
            breaker: if staff {
                self.platform_directory().breaker_of(&m.code)
            } else {
                None
            },
        })
    }

    /// Creates or changes a platform. Admins only; audited (credentials never appear in
    /// the audit). A new policy text or a fee change makes a new disclosure version.
    pub async fn upsert_platform(
        &self,
        input: PlatformInput,
        caller: &Caller,
    ) -> DomainResult<PlatformView> {
        caller.require(Permission::ManagePlatforms)?;
        self.save_platform(input, caller).await
    }

    /// The upsert itself, for admins and for the platform's own set-up (demo data).
    pub(crate) async fn save_platform(
        &self,
        input: PlatformInput,
        caller: &Caller,
    ) -> DomainResult<PlatformView> {
        let code = input.code.trim().to_owned();
        if !valid_code(&code) {
            return Err(DomainError::validation(
                "code",
                "Use 2 to 32 lower-case letters, digits and dashes.",
            ));
        }
        if (input.kind == PlatformKind::Internal) != (code == INTERNAL_CODE) {
            return Err(DomainError::validation(
                "kind",
                format!(
                    "The bank's own ledger is the one platform called '{INTERNAL_CODE}', and it is INTERNAL."
                ),
            ));
        }
        let name = input.name.trim().to_owned();
        if !(2..=100).contains(&name.chars().count()) {
            return Err(DomainError::validation(
                "name",
                "Give a name of 2 to 100 characters.",
            ));
        }
        let policy_text = input.policy_text.trim().to_owned();
        if !(10..=20_000).contains(&policy_text.chars().count()) {
            return Err(DomainError::validation(
                "policyText",
                "Give the policy text customers are shown (10 to 20,000 characters).",
            ));
        }
        if input.products.is_empty() {
            return Err(DomainError::validation(
                "products",
                "Give at least one product.",
            ));
        }
        let cap = self.settings().legal_apr_cap;
        for p in &input.products {
            check_product(p, cap)?;
        }
        if input.channels.is_empty() {
            return Err(DomainError::validation(
                "channels",
                "Name at least one channel the platform serves customers through.",
            ));
        }
        let external = input.kind == PlatformKind::External;
        let base_url = input
            .base_url
            .map(|u| u.trim().trim_end_matches('/').to_owned());
        if external {
            let url_ok = base_url.as_deref().is_some_and(reqwest_like_url);
            if !url_ok {
                return Err(DomainError::validation(
                    "baseUrl",
                    "Give the partner's http(s) base URL, without credentials, query or fragment.",
                ));
            }
            if input
                .client_id
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
            {
                return Err(DomainError::validation(
                    "clientId",
                    "Give our client id at the partner.",
                ));
            }
        }
        if input.secret.as_deref().is_some_and(|s| s.len() < 16) {
            return Err(DomainError::validation(
                "secret",
                "The shared secret must be at least 16 characters.",
            ));
        }
        let products_json = serde_json::to_string(&input.products)
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let channels = input
            .channels
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let fee_text = disclosure::fee_text(&input.products);
        let now = self.now();
        let at = to_millis(now);
        let txn = begin_write(self.db()).await?;
        let before = installment_platform::Entity::find_by_id(code.clone())
            .one(&txn)
            .await?;
        let sealed = match (&input.secret, &before) {
            (Some(secret), _) => Some(self.keys().seal(CREDENTIALS_PURPOSE, secret)?),
            (None, Some(b)) => b.credentials_sealed.clone(),
            (None, None) => None,
        };
        if external && sealed.is_none() {
            return Err(DomainError::validation(
                "secret",
                "Give the shared secret the partner signs with.",
            ));
        }
        let current = match &before {
            Some(b) => disclosure::version_of(&txn, &b.code, b.disclosure_version).await?,
            None => None,
        };
        let version = match (&before, &current) {
            (Some(b), Some(d)) if d.policy_text == policy_text && d.fee_text == fee_text => {
                b.disclosure_version
            }
            (Some(b), _) => b.disclosure_version + 1,
            (None, _) => 1,
        };
        let model = installment_platform::ActiveModel {
            code: Set(code.clone()),
            kind: Set(input.kind),
            name: Set(name.clone()),
            base_url: Set(base_url.clone()),
            client_id: Set(input.client_id.map(|c| c.trim().to_owned())),
            credentials_sealed: Set(sealed),
            products: Set(products_json),
            channels: Set(channels.clone()),
            policy_text: Set(policy_text.clone()),
            disclosure_version: Set(version),
            active: Set(input.active),
            created_at: Set(before.as_ref().map_or(at, |b| b.created_at)),
            updated_at: Set(at.max(before.as_ref().map_or(0, |b| b.updated_at + 1))),
        };
        if before.is_some() {
            model.update(&txn).await?;
        } else {
            model.insert(&txn).await?;
        }
        if before
            .as_ref()
            .is_none_or(|b| b.disclosure_version != version)
        {
            disclosure::record_version(&txn, &code, version, &policy_text, &fee_text, now).await?;
        }
        let shown = |m: Option<&installment_platform::Model>| {
            m.map(|m| {
                json!({
                    "name": m.name, "kind": m.kind.to_value(), "baseUrl": m.base_url,
                    "active": m.active, "channels": m.channels,
                    "disclosureVersion": m.disclosure_version,
                })
            })
        };
        let mut record =
            AuditRecord::new("platform.upsert", "platform", Some(code.clone())).after(json!({
                "name": name, "kind": input.kind.to_value(), "baseUrl": base_url,
                "active": input.active, "channels": channels, "disclosureVersion": version,
                "credentialsChanged": input.secret.is_some(),
            }));
        if let Some(b) = shown(before.as_ref()) {
            record = record.before(b);
        }
        chain::append(&txn, now, caller, record).await?;
        txn.commit().await?;
        self.platform_directory().forget(&code);
        let rows = installment_platform::Entity::find_by_id(code.clone())
            .all(self.db())
            .await?;
        let disclosures = disclosure::current_of(self.db(), &rows).await?;
        let row = rows
            .first()
            .ok_or_else(|| DomainError::Internal(format!("platform {code} vanished")))?;
        self.platform_view(row, &disclosures, true)
    }

    /// The shared secret of a platform, opened (the launcher hands it to the in-process
    /// demo partners; never shown to anyone).
    pub async fn platform_secret(&self, code: &str) -> DomainResult<Option<String>> {
        let Some(row) = installment_platform::Entity::find_by_id(code.to_owned())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        row.credentials_sealed
            .map(|s| self.keys().open(CREDENTIALS_PURPOSE, &s))
            .transpose()
    }

    /// Points a registered partner at a new address (the in-process demo partners get a
    /// new loopback port each start). Audited as the platform itself.
    pub async fn move_platform(&self, code: &str, base_url: &str) -> DomainResult<()> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let Some(row) = installment_platform::Entity::find_by_id(code.to_owned())
            .one(&txn)
            .await?
        else {
            return Err(DomainError::NotFound(format!(
                "No platform is called {code}."
            )));
        };
        let updated_at = to_millis(now).max(row.updated_at + 1);
        let mut model: installment_platform::ActiveModel = row.into();
        model.base_url = Set(Some(base_url.to_owned()));
        model.updated_at = Set(updated_at);
        model.update(&txn).await?;
        chain::append(
            &txn,
            now,
            &Caller::system("platform-address"),
            AuditRecord::new("platform.move", "platform", Some(code.to_owned()))
                .after(json!({ "baseUrl": base_url })),
        )
        .await?;
        txn.commit().await?;
        self.platform_directory().forget(code);
        Ok(())
    }
}

/// An http(s) URL with a host and nothing that does not belong in a base URL.
fn reqwest_like_url(u: &str) -> bool {
    let Some(rest) = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or_default();
    !host.is_empty() && !u.contains(['?', '#', ' ']) && !host.contains('@')
}
