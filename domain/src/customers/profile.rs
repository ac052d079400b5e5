//! The customer profile: who they are and how to reach them. The resident ID number and
//! the mobile number are sealed before they reach the database and shown only masked.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TryIntoModel,
};
use serde_json::{Value, json};
use uuid::Uuid;

use entities::{account, customer};

use crate::audit::AuditRecord;
use crate::auth::Permission;
use crate::auth::{Caller, Role};
use crate::clock::{from_millis, to_millis};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::pii::{EmailAddress, IdNumber, MobileNumber};
use crate::service::Domain;

use super::access::{audit_unless_self_service, is_self_service, load_for};
use super::consent::{self, ConsentPurpose};
use super::identity_conflicts::{self, IdentityField};
use super::reads::CustomerGrant;

/// The most a monthly income may be (10 million yuan): larger is a typing error.
const MAX_MONTHLY_INCOME_FEN: i64 = 1_000_000_000;

/// What is given to create or change a profile. On change, absent fields stay as they are.
#[derive(Clone, Default)]
pub struct ProfileInput {
    /// The legal name.
    pub full_name: Option<String>,
    /// The birth date (must match the ID number when both are given).
    pub birth_date: Option<NaiveDate>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Employer.
    pub employer: Option<String>,
    /// Monthly income in yuan.
    pub monthly_income: Option<Decimal>,
    /// Postal address.
    pub address: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Contact mobile.
    pub mobile: Option<String>,
    /// Resident ID number (needs the customer's consent to sensitive processing).
    pub id_number: Option<String>,
    /// `zh-CN` (default) or `en`.
    pub preferred_language: Option<String>,
}

/// A profile as it may be shown: identifiers masked.
#[derive(Debug, Clone)]
pub struct CustomerView {
    /// The customer id.
    pub id: Uuid,
    /// The customer's own login, if they have one.
    pub account_id: Option<Uuid>,
    /// The legal name.
    pub full_name: String,
    /// The birth date.
    pub birth_date: Option<NaiveDate>,
    /// Age in whole years today (in the bank's time zone).
    pub age: Option<u32>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Employer.
    pub employer: Option<String>,
    /// Monthly income.
    pub monthly_income: Option<Money>,
    /// Postal address.
    pub address: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Mobile, masked (`138****5678`).
    pub mobile_masked: Option<String>,
    /// Resident ID number, masked (`110***********1234`).
    pub id_number_masked: Option<String>,
    /// `zh-CN` or `en`.
    pub preferred_language: String,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When staff verified that the name and ID number belong to this customer (cleared
    /// whenever either changes).
    pub identity_verified_at: Option<DateTime<Utc>>,
    /// The proof that this request's caller may read this customer.
    grant: CustomerGrant,
}

impl CustomerView {
    /// The proof that the caller who got this view may read this customer's records: what
    /// the nested reads (consents, cards, reports) take instead of checking access again.
    pub fn grant(&self) -> CustomerGrant {
        self.grant
    }
}

fn clean_text(value: &str, field: &str, max: usize) -> DomainResult<Option<String>> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > max || trimmed.chars().any(char::is_control) {
        return Err(DomainError::validation(
            field,
            format!("Enter at most {max} characters, without control characters."),
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

fn parse_full_name(value: &str) -> DomainResult<String> {
    clean_text(value, "fullName", 100)?
        .ok_or_else(|| DomainError::validation("fullName", "Enter the customer's full legal name."))
}

fn parse_language(value: &str) -> DomainResult<String> {
    match value.trim() {
        "zh-CN" | "zh" | "" => Ok("zh-CN".into()),
        "en" => Ok("en".into()),
        _ => Err(DomainError::validation(
            "preferredLanguage",
            "Choose zh-CN or en.",
        )),
    }
}

fn parse_income(value: Decimal) -> DomainResult<Money> {
    let money = Money::try_from_yuan(value).map_err(|_| {
        DomainError::validation(
            "monthlyIncome",
            "Give the income in yuan with at most 2 decimals.",
        )
    })?;
    if money.is_negative() || money.to_fen() > MAX_MONTHLY_INCOME_FEN {
        return Err(DomainError::validation(
            "monthlyIncome",
            "The monthly income must be between 0 and 10,000,000 yuan.",
        ));
    }
    Ok(money)
}

/// Age in whole years on `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

impl Domain {
    /// Today in the bank's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now()
            .with_timezone(&self.settings().timezone)
            .date_naive()
    }

    pub(crate) fn customer_view(&self, m: &customer::Model) -> DomainResult<CustomerView> {
        let mobile_masked = m
            .mobile_enc
            .as_deref()
            .map(|sealed| self.keys().open(MobileNumber::PURPOSE, sealed))
            .transpose()?
            .map(|clear| crate::pii::mask::keep_ends(&clear, 3, 4));
        let id_number_masked = m
            .id_number_enc
            .as_deref()
            .map(|sealed| self.keys().open(IdNumber::PURPOSE, sealed))
            .transpose()?
            .map(|clear| crate::pii::mask::keep_ends(&clear, 3, 4));
        Ok(CustomerView {
            id: m.id,
            account_id: m.account_id,
            full_name: m.full_name.clone(),
            birth_date: m.birth_date,
            age: m.birth_date.map(|b| age_on(b, self.today())),
            occupation: m.occupation.clone(),
            employer: m.employer.clone(),
            monthly_income: m.monthly_income_fen.map(Money::from_fen),
            address: m.address.clone(),
            email: m.email.clone(),
            mobile_masked,
            id_number_masked,
            preferred_language: m.preferred_language.clone(),
            created_at: from_millis(m.created_at),
            updated_at: from_millis(m.updated_at),
            identity_verified_at: m.identity_verified_at.map(from_millis),
            grant: CustomerGrant::new(m.id),
        })
    }

    /// Creates a profile: a customer for themself (one per login), or an agent for a
    /// customer in the branch or on the phone (audited).
    pub async fn create_customer(
        &self,
        input: ProfileInput,
        caller: &Caller,
    ) -> DomainResult<CustomerView> {
        caller.require(Permission::WriteCustomer)?;
        let full_name = parse_full_name(input.full_name.as_deref().unwrap_or(""))?;
        if input
            .id_number
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
        {
            return Err(DomainError::validation(
                "idNumber",
                "Record the customer's consent to sensitive processing first, then add the ID number.",
            ));
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let own_account = match caller.actor {
            Some(actor) if actor.role == Role::Customer => {
                let existing = customer::Entity::find()
                    .filter(customer::Column::AccountId.eq(actor.account_id))
                    .one(&txn)
                    .await?;
                if existing.is_some() {
                    return Err(DomainError::Conflict(
                        "You already have a profile; change it instead.".into(),
                    ));
                }
                account::Entity::find_by_id(actor.account_id)
                    .one(&txn)
                    .await?
            }
            _ => None,
        };
        let mut model = customer::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(own_account.as_ref().map(|a| a.id)),
            full_name: Set(full_name),
            birth_date: Set(None),
            occupation: Set(None),
            employer: Set(None),
            monthly_income_fen: Set(None),
            address: Set(None),
            email: Set(own_account.as_ref().and_then(|a| a.email.clone())),
            mobile_enc: Set(own_account.as_ref().and_then(|a| a.mobile_enc.clone())),
            mobile_hash: Set(own_account.as_ref().and_then(|a| a.mobile_hash.clone())),
            id_number_enc: Set(None),
            id_number_hash: Set(None),
            preferred_language: Set("zh-CN".into()),
            status: Set("active".into()),
            created_by: Set(caller.actor.map(|a| a.account_id)),
            created_at: Set(to_millis(now)),
            updated_at: Set(to_millis(now)),
            anonymized_at: Set(None),
            identity_verified_at: Set(None),
            identity_verified_by: Set(None),
        };
        self.apply_profile(
            &txn,
            &mut model,
            ProfileInput {
                full_name: None,
                ..input
            },
            None,
        )
        .await?;
        let saved = model.insert(&txn).await.map_err(duplicate)?;
        let view = self.customer_view(&saved)?;
        audit_unless_self_service(
            &txn,
            now,
            caller,
            AuditRecord::new("customer.create", "customer", Some(saved.id.to_string()))
                .after(self.audit_snapshot(&view)),
        )
        .await?;
        txn.commit().await?;
        Ok(view)
    }

    /// Changes a profile. Staff changes are audited with the masked state before and after.
    ///
    /// A customer changing their own ID or mobile number to one that another customer
    /// holds gets exactly the answer a free number gets, while the number on file stays
    /// and the conflict goes to staff review (see [`super::identity_conflicts`]); such
    /// changes are limited per account and day. Staff get `CONFLICT`.
    pub async fn update_customer(
        &self,
        customer_id: Uuid,
        input: ProfileInput,
        caller: &Caller,
    ) -> DomainResult<CustomerView> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let current = load_for(&txn, caller, customer_id, Permission::WriteCustomer).await?;
        let before = self.audit_snapshot(&self.customer_view(&current)?);
        let mut model: customer::ActiveModel = current.clone().into();
        let name_changed = match input.full_name.as_deref() {
            Some(name) => {
                let name = parse_full_name(name)?;
                let changed = name != current.full_name;
                if changed {
                    unverify(&mut model);
                }
                model.full_name = Set(name);
                changed
            }
            None => false,
        };
        self.apply_profile(
            &txn,
            &mut model,
            ProfileInput {
                full_name: None,
                ..input
            },
            Some(&current),
        )
        .await?;
        model.updated_at = Set(to_millis(now));
        let answer = if is_self_service(caller) {
            self.hold_back_taken_identifiers(&txn, now, caller, &current, &mut model, name_changed)
                .await?
        } else {
            None
        };
        let saved = model.update(&txn).await.map_err(duplicate)?;
        let view = self.customer_view(&saved)?;
        audit_unless_self_service(
            &txn,
            now,
            caller,
            AuditRecord::new("customer.update", "customer", Some(saved.id.to_string()))
                .before(before)
                .after(self.audit_snapshot(&view)),
        )
        .await?;
        txn.commit().await?;
        Ok(answer.unwrap_or(view))
    }

    /// For a customer's own change: counts each change of an identifier against the daily
    /// limit, and for each new identifier another customer holds, records the conflict
    /// and puts the one on file back into `model`. Returns the answer the change would
    /// have had if every number were free, when one was held back.
    async fn hold_back_taken_identifiers<C: ConnectionTrait>(
        &self,
        txn: &C,
        now: DateTime<Utc>,
        caller: &Caller,
        current: &customer::Model,
        model: &mut customer::ActiveModel,
        name_changed: bool,
    ) -> DomainResult<Option<CustomerView>> {
        let new_hash = |value: &sea_orm::ActiveValue<Option<String>>| match value {
            sea_orm::ActiveValue::Set(Some(h)) => Some(h.clone()),
            _ => None,
        };
        let mobile =
            new_hash(&model.mobile_hash).filter(|h| current.mobile_hash.as_ref() != Some(h));
        let id_number =
            new_hash(&model.id_number_hash).filter(|h| current.id_number_hash.as_ref() != Some(h));
        if mobile.is_none() && id_number.is_none() {
            return Ok(None);
        }
        let account = caller
            .actor
            .map(|a| a.account_id.to_string())
            .unwrap_or_default();
        self.throttle_identity_change(&account).await?;
        let as_if = self.customer_view(&model.clone().try_into_model()?)?;
        let mut held_back = false;
        if let Some(hash) = mobile
            && let Some(holder) =
                identity_conflicts::holder(txn, IdentityField::Mobile, &hash, current.id).await?
        {
            let masked = as_if.mobile_masked.clone().unwrap_or_default();
            identity_conflicts::record(
                txn,
                now,
                caller,
                current.id,
                IdentityField::Mobile,
                holder,
                masked,
                hash,
            )
            .await?;
            model.mobile_hash = Set(current.mobile_hash.clone());
            model.mobile_enc = Set(current.mobile_enc.clone());
            held_back = true;
        }
        if let Some(hash) = id_number
            && let Some(holder) =
                identity_conflicts::holder(txn, IdentityField::IdNumber, &hash, current.id).await?
        {
            let masked = as_if.id_number_masked.clone().unwrap_or_default();
            identity_conflicts::record(
                txn,
                now,
                caller,
                current.id,
                IdentityField::IdNumber,
                holder,
                masked,
                hash,
            )
            .await?;
            // The birth date is bound to the ID number on file, and so is verification.
            model.id_number_hash = Set(current.id_number_hash.clone());
            model.id_number_enc = Set(current.id_number_enc.clone());
            model.birth_date = Set(current.birth_date);
            if !name_changed {
                model.identity_verified_at = Set(current.identity_verified_at);
                model.identity_verified_by = Set(current.identity_verified_by);
            }
            held_back = true;
        }
        Ok(held_back.then_some(as_if))
    }

    /// Validates and applies every field of `input` present.
    async fn apply_profile<C: ConnectionTrait>(
        &self,
        txn: &C,
        model: &mut customer::ActiveModel,
        input: ProfileInput,
        current: Option<&customer::Model>,
    ) -> DomainResult<()> {
        if let Some(v) = &input.occupation {
            model.occupation = Set(clean_text(v, "occupation", 100)?);
        }
        if let Some(v) = &input.employer {
            model.employer = Set(clean_text(v, "employer", 200)?);
        }
        if let Some(v) = &input.address {
            model.address = Set(clean_text(v, "address", 500)?);
        }
        if let Some(v) = input.monthly_income {
            model.monthly_income_fen = Set(Some(parse_income(v)?.to_fen()));
        }
        if let Some(v) = &input.preferred_language {
            model.preferred_language = Set(parse_language(v)?);
        }
        if let Some(v) = &input.email {
            model.email = Set(match v.trim() {
                "" => None,
                e => Some(EmailAddress::parse(e, "email")?.as_str().to_owned()),
            });
        }
        if let Some(v) = &input.mobile {
            match v.trim() {
                "" => {
                    model.mobile_enc = Set(None);
                    model.mobile_hash = Set(None);
                }
                m => {
                    let mobile = MobileNumber::parse(m, "mobile")?;
                    model.mobile_hash = Set(Some(
                        self.keys()
                            .blind_index(MobileNumber::PURPOSE, mobile.expose()),
                    ));
                    model.mobile_enc = Set(Some(
                        self.keys().seal(MobileNumber::PURPOSE, mobile.expose())?,
                    ));
                }
            }
        }
        let today = self.today();
        if let Some(birth) = input.birth_date {
            if birth > today || birth < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(birth) {
                return Err(DomainError::validation(
                    "birthDate",
                    "Enter a real birth date in the past.",
                ));
            }
            // The birth date on file must stay the one in the ID number on file.
            let id_given = input
                .id_number
                .as_deref()
                .is_some_and(|v| !v.trim().is_empty());
            if !id_given && let Some(sealed) = current.and_then(|c| c.id_number_enc.as_deref()) {
                let on_file = IdNumber::parse(
                    &self.keys().open(IdNumber::PURPOSE, sealed)?,
                    "idNumber",
                    today,
                )?;
                if !on_file.matches_birth_date(birth) {
                    return Err(DomainError::validation(
                        "birthDate",
                        format!(
                            "The birth date must match the ID number on file ({}).",
                            on_file.birth_date()
                        ),
                    ));
                }
            }
            model.birth_date = Set(Some(birth));
        }
        if let Some(v) = input.id_number.as_deref().filter(|v| !v.trim().is_empty()) {
            let id = IdNumber::parse(v, "idNumber", today)?;
            if let Some(current) = current {
                consent::require(
                    txn,
                    current.id,
                    ConsentPurpose::SensitivePersonalInformation,
                )
                .await?;
            }
            let birth = match &model.birth_date {
                sea_orm::ActiveValue::Set(b) | sea_orm::ActiveValue::Unchanged(b) => *b,
                sea_orm::ActiveValue::NotSet => None,
            };
            match birth {
                Some(b) if !id.matches_birth_date(b) => {
                    return Err(DomainError::validation(
                        "idNumber",
                        format!(
                            "The birth date in this ID number ({}) does not match the profile's birth date ({b}).",
                            id.birth_date()
                        ),
                    ));
                }
                Some(_) => {}
                None => model.birth_date = Set(Some(id.birth_date())),
            }
            let hash = self.keys().blind_index(IdNumber::PURPOSE, id.expose());
            if current.and_then(|c| c.id_number_hash.as_deref()) != Some(hash.as_str()) {
                unverify(model);
            }
            model.id_number_hash = Set(Some(hash));
            model.id_number_enc = Set(Some(self.keys().seal(IdNumber::PURPOSE, id.expose())?));
        }
        Ok(())
    }
}

/// Clears identity verification: the verified name or ID number is about to change.
fn unverify(model: &mut customer::ActiveModel) {
    model.identity_verified_at = Set(None);
    model.identity_verified_by = Set(None);
}

/// The profile as the customer's own copy of their data shows it: identifiers masked,
/// the rest as they gave it.
pub(crate) fn own_snapshot(view: &CustomerView) -> Value {
    json!({
        "fullName": view.full_name,
        "birthDate": view.birth_date.map(|d| d.to_string()),
        "occupation": view.occupation,
        "employer": view.employer,
        "monthlyIncome": view.monthly_income.map(|m| m.to_string()),
        "address": view.address,
        "email": view.email,
        "mobile": view.mobile_masked,
        "idNumber": view.id_number_masked,
        "preferredLanguage": view.preferred_language,
    })
}

impl Domain {
    /// The profile as the audit trail records it. The trail is hash-chained and can never
    /// be erased, so it holds nothing that identifies the person once their record is
    /// anonymized: names, addresses and e-mails are masked to a first character, birth
    /// dates to the year; each masked value carries a short keyed fingerprint, so an
    /// auditor still sees whether it changed.
    pub(crate) fn audit_snapshot(&self, view: &CustomerView) -> Value {
        let fingerprint = |value: &str| {
            let digest = self.keys().blind_index("audit.fingerprint", value);
            digest.get(..8).unwrap_or_default().to_owned()
        };
        let masked = |value: &Option<String>| {
            value.as_deref().map(|v| {
                format!(
                    "{}#{}",
                    crate::pii::mask::keep_ends(v, 1, 0),
                    fingerprint(v)
                )
            })
        };
        json!({
            "fullName": masked(&Some(view.full_name.clone())),
            "birthDate": view.birth_date.map(|d| format!("{}-**-**", d.format("%Y"))),
            "occupation": view.occupation,
            "employer": view.employer,
            "monthlyIncome": view.monthly_income.map(|m| m.to_string()),
            "address": masked(&view.address),
            "email": masked(&view.email),
            "mobile": view.mobile_masked,
            "idNumber": view.id_number_masked,
            "preferredLanguage": view.preferred_language,
        })
    }
}

fn duplicate(err: sea_orm::DbErr) -> DomainError {
    if is_unique_violation(&err) {
        DomainError::Conflict(
            "Another customer already has this mobile number or ID number.".into(),
        )
    } else {
        err.into()
    }
}

impl std::fmt::Debug for ProfileInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mask = |v: &Option<String>| v.as_deref().map(|v| crate::pii::mask::keep_ends(v, 1, 0));
        f.debug_struct("ProfileInput")
            .field("full_name", &mask(&self.full_name))
            .field("birth_date", &self.birth_date.map(|_| "****"))
            .field("occupation", &self.occupation)
            .field("monthly_income", &self.monthly_income)
            .field(
                "mobile",
                &self
                    .mobile
                    .as_deref()
                    .map(|m| crate::pii::mask::keep_ends(m, 3, 4)),
            )
            .field(
                "id_number",
                &self
                    .id_number
                    .as_deref()
                    .map(|i| crate::pii::mask::keep_ends(i, 3, 4)),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_counts_whole_years() {
        let birth = NaiveDate::from_ymd_opt(1990, 3, 7).unwrap();
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2026, 3, 6).unwrap()),
            35
        );
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2026, 3, 7).unwrap()),
            36
        );
    }
}
