//! Reading applications: one by id, a customer's own, staff lists. Access is checked once
//! per application (a customer sees only their own; others are "not found", so ids cannot
//! be probed) and the history, when asked for, is read for the whole page in one
//! statement, whatever its size.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use entities::{application_transition, installment_application};

use crate::auth::{Caller, Permission, Role};
use crate::error::{DomainError, DomainResult};
use crate::page::{Page, PageRequest};
use crate::service::Domain;

use super::lifecycle::ApplicationStatus;
use super::{ApplicationView, TransitionView};

/// Staff list filters; all optional.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Only in this state.
    pub status: Option<ApplicationStatus>,
    /// Only this customer's.
    pub customer_id: Option<Uuid>,
}

pub(super) fn not_found() -> DomainError {
    DomainError::NotFound("No application has this id.".into())
}

impl Domain {
    /// Whether `caller` may read `application`: its customer (by the account that owns the
    /// customer record), or staff holding the permission.
    async fn may_read(
        &self,
        application: &installment_application::Model,
        caller: &Caller,
    ) -> DomainResult<()> {
        caller.require(Permission::ReadApplication)?;
        match caller.actor {
            Some(actor) if actor.role == Role::Customer => {
                let mine = self.read_my_customer(caller).await?;
                match mine {
                    Some(c) if c.view.id == application.customer_id => Ok(()),
                    _ => Err(not_found()),
                }
            }
            _ => Ok(()),
        }
    }

    /// One application, with its history if `with_history`.
    pub async fn application(
        &self,
        id: Uuid,
        with_history: bool,
        caller: &Caller,
    ) -> DomainResult<ApplicationView> {
        let model = installment_application::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        self.may_read(&model, caller).await?;
        let mut views = vec![ApplicationView::try_from(&model)?];
        if with_history {
            self.attach_history(&mut views).await?;
        }
        Ok(views.remove(0))
    }

    /// The caller's own applications, newest first; the cursor is the id.
    pub async fn my_applications(
        &self,
        page: PageRequest<Uuid>,
        with_history: bool,
        caller: &Caller,
    ) -> DomainResult<Page<ApplicationView, Uuid>> {
        caller.require(Permission::OwnCustomerData)?;
        let Some(mine) = self.read_my_customer(caller).await? else {
            return Ok(Page::from_rows(Vec::new(), page.first));
        };
        let filter = ApplicationFilter {
            customer_id: Some(mine.view.id),
            ..ApplicationFilter::default()
        };
        self.application_page(filter, page, with_history).await
    }

    /// Applications for staff, newest first, filtered; the cursor is the id.
    pub async fn applications(
        &self,
        filter: ApplicationFilter,
        page: PageRequest<Uuid>,
        with_history: bool,
        caller: &Caller,
    ) -> DomainResult<Page<ApplicationView, Uuid>> {
        caller.require(Permission::ListApplications)?;
        self.application_page(filter, page, with_history).await
    }

    async fn application_page(
        &self,
        filter: ApplicationFilter,
        page: PageRequest<Uuid>,
        with_history: bool,
    ) -> DomainResult<Page<ApplicationView, Uuid>> {
        let mut query = installment_application::Entity::find()
            .order_by_desc(installment_application::Column::Id)
            .limit(page.first + 1);
        if let Some(status) = filter.status {
            query = query.filter(installment_application::Column::Status.eq(status));
        }
        if let Some(customer_id) = filter.customer_id {
            query = query.filter(installment_application::Column::CustomerId.eq(customer_id));
        }
        if let Some(after) = page.after {
            query = query.filter(installment_application::Column::Id.lt(after));
        }
        let rows = query.all(self.db()).await?;
        let mut views = rows
            .iter()
            .map(ApplicationView::try_from)
            .collect::<DomainResult<Vec<_>>>()?;
        if with_history {
            self.attach_history(&mut views).await?;
        }
        let items = views.into_iter().map(|v| (v.id, v)).collect();
        Ok(Page::from_rows(items, page.first))
    }

    /// Reads the history of every application in `views` in one statement.
    async fn attach_history(&self, views: &mut [ApplicationView]) -> DomainResult<()> {
        if views.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = views.iter().map(|v| v.id).collect();
        let mut by_application: HashMap<Uuid, Vec<TransitionView>> = HashMap::new();
        for t in application_transition::Entity::find()
            .filter(application_transition::Column::ApplicationId.is_in(ids))
            .order_by_asc(application_transition::Column::Id)
            .all(self.db())
            .await?
        {
            by_application
                .entry(t.application_id)
                .or_default()
                .push(TransitionView::from(&t));
        }
        for view in views {
            view.history = Some(by_application.remove(&view.id).unwrap_or_default());
        }
        Ok(())
    }
}
