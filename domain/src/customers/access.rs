//! Who may see and change a customer: the customer themself, and staff by role. A customer
//! asking for anyone else's record is told it does not exist, so ids cannot be probed.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use entities::customer;

use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Role};
use crate::error::{DomainError, DomainResult};

/// Staff who may read customer records.
pub const STAFF_READERS: &[Role] = &[Role::Agent, Role::RiskOfficer, Role::Admin, Role::Auditor];
/// Staff who may change customer records (needs analysis is an agent's work).
pub const STAFF_WRITERS: &[Role] = &[Role::Agent];
/// Staff who may run credit checks and assessments.
pub const STAFF_ASSESSORS: &[Role] = &[Role::Agent, Role::RiskOfficer];

/// The status of a customer whose personal data has been erased.
pub const ANONYMIZED: &str = "anonymized";

pub(crate) fn not_found() -> DomainError {
    DomainError::NotFound("No customer has this id.".into())
}

/// Loads a customer the caller may act on: their own record, or any record when the caller
/// holds one of `staff_roles`. Anonymized records are gone for everyone.
pub(crate) async fn load_for<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    customer_id: Uuid,
    staff_roles: &[Role],
) -> DomainResult<customer::Model> {
    let model = customer::Entity::find_by_id(customer_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    check(&model, caller, staff_roles)?;
    Ok(model)
}

/// The access rule itself, for a customer row already read (alone or joined with its
/// children): anonymized records are gone; a customer sees only their own record (others
/// are "not found", so their existence is not told); staff need one of `staff_roles`.
pub(crate) fn check(
    model: &customer::Model,
    caller: &Caller,
    staff_roles: &[Role],
) -> DomainResult<()> {
    if model.status == ANONYMIZED {
        return Err(not_found());
    }
    match caller.actor {
        None => Ok(()),
        Some(actor) if actor.role == Role::Customer => {
            if model.account_id == Some(actor.account_id) {
                Ok(())
            } else {
                Err(not_found())
            }
        }
        Some(actor) if staff_roles.contains(&actor.role) => Ok(()),
        Some(actor) => Err(DomainError::Forbidden(format!(
            "Your role ({}) may not do this to a customer record.",
            actor.role
        ))),
    }
}

/// True when the caller acts for themselves (a customer), false for staff or the platform.
pub(crate) fn is_self_service(caller: &Caller) -> bool {
    caller.actor.is_some_and(|a| a.role == Role::Customer)
}

/// Records a staff member's (or the platform's) act on a customer record in the audit
/// trail, inside the act's transaction. A customer's own changes to their own record are
/// not staff actions and are not audited.
pub(crate) async fn audit_unless_self_service<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    caller: &Caller,
    record: AuditRecord,
) -> DomainResult<()> {
    if !is_self_service(caller) {
        chain::append(txn, now, caller, record).await?;
    }
    Ok(())
}
