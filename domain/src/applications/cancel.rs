//! Withdrawing an application before its plan opens: by its customer or an agent, with a
//! reason. Any other state answers `CONFLICT` naming the state it is in.

use sea_orm::EntityTrait;
use uuid::Uuid;

use entities::installment_application;

use crate::auth::{Caller, Permission};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

use super::lifecycle::Step;
use super::reads::not_found;
use super::{ApplicationView, steps};

impl Domain {
    /// Cancels an application; audited, recorded in its history.
    pub async fn cancel_application(
        &self,
        id: Uuid,
        reason: &str,
        caller: &Caller,
    ) -> DomainResult<ApplicationView> {
        caller.require(Permission::CancelApplication)?;
        let reason = reason.trim();
        if !(2..=500).contains(&reason.chars().count()) {
            return Err(DomainError::validation(
                "reason",
                "Say why, in 2 to 500 characters.",
            ));
        }
        // The customer's own only (others are "not found"), before anything is locked.
        self.application(id, false, caller).await?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let mut model = installment_application::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(not_found)?;
        model.status = steps::take(&txn, &model, Step::Cancel, caller, reason, now, |u| u).await?;
        txn.commit().await?;
        model.updated_at = crate::clock::to_millis(now);
        ApplicationView::try_from(&model)
    }
}
