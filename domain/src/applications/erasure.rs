//! What a customer's data deletion does to their applications: an application whose
//! agreement is signed (or whose plan is open) keeps the bank's obligations alive, so the
//! deletion is refused; every other open one is cancelled; and every application loses the
//! purpose the customer wrote in their own words.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use entities::installment_application;

use crate::auth::Caller;
use crate::error::{DomainError, DomainResult};

use super::lifecycle::{ApplicationStatus, Step, is_open};
use super::steps;

/// What a purpose reads after erasure.
const ERASED: &str = "[erased]";

/// Closes the customer's applications for erasure, inside the deletion's transaction.
pub(crate) async fn close_for_erasure<C: ConnectionTrait>(
    txn: &C,
    customer_id: Uuid,
    caller: &Caller,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let applications = installment_application::Entity::find()
        .filter(installment_application::Column::CustomerId.eq(customer_id))
        .all(txn)
        .await?;
    let binding = applications
        .iter()
        .filter(|a| {
            matches!(
                a.status,
                ApplicationStatus::Signed | ApplicationStatus::Active
            )
        })
        .count();
    if binding > 0 {
        return Err(DomainError::Conflict(format!(
            "You have {binding} signed installment application(s). Your data can be deleted once they are repaid or closed; until then the bank needs it to serve them."
        )));
    }
    for application in applications.iter().filter(|a| is_open(a.status)) {
        steps::take(
            txn,
            application,
            Step::Cancel,
            caller,
            "the customer asked for their data to be deleted",
            now,
            |u| u,
        )
        .await?;
    }
    installment_application::Entity::update_many()
        .col_expr(
            installment_application::Column::Purpose,
            Expr::value(ERASED),
        )
        .filter(installment_application::Column::CustomerId.eq(customer_id))
        .exec(txn)
        .await?;
    Ok(())
}
