//! Who may see and change a customer: the customer themself, and staff by role. A customer
//! asking for anyone else's record is told it does not exist, so ids cannot be probed.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use entities::customer;

use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission, Role};
use crate::error::{DomainError, DomainResult};

/// The status of a customer whose personal data has been erased.
pub const ANONYMIZED: &str = "anonymized";

pub(crate) fn not_found() -> DomainError {
    DomainError::NotFound("No customer has this id.".into())
}

/// Loads a customer the caller may act on with `permission`: their own record (when the
/// permission is open to customers), or any record for staff whose role holds it.
/// Anonymized records are gone for everyone.
pub(crate) async fn load_for<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    customer_id: Uuid,
    permission: Permission,
) -> DomainResult<customer::Model> {
    let model = customer::Entity::find_by_id(customer_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    check(&model, caller, permission)?;
    Ok(model)
}

/// The access rule itself, for a customer row already read (alone or joined with its
/// children): anonymized records are gone; a customer acts only on their own record, and
/// only where `permission` is open to customers (others' records are "not found", so their
/// existence is not told); staff need a role that holds `permission`.
pub(crate) fn check(
    model: &customer::Model,
    caller: &Caller,
    permission: Permission,
) -> DomainResult<()> {
    if model.status == ANONYMIZED {
        return Err(not_found());
    }
    match caller.actor {
        None => Ok(()),
        Some(actor) if actor.role == Role::Customer => {
            if model.account_id != Some(actor.account_id) {
                Err(not_found())
            } else if permission.allows(Role::Customer) {
                Ok(())
            } else {
                Err(DomainError::Forbidden(format!(
                    "Your role (customer) may not {}.",
                    permission.name()
                )))
            }
        }
        Some(actor) if permission.allows(actor.role) => Ok(()),
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
