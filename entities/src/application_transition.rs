//! One step of an application's state machine, as it happened: never changed afterwards.

use sea_orm::entity::prelude::*;

use super::installment_application::ApplicationStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_transition")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    /// `None` for the opening step.
    pub from_status: Option<ApplicationStatus>,
    pub to_status: ApplicationStatus,
    /// `None` when the platform itself moved it (a scheduled job).
    pub actor_account_id: Option<Uuid>,
    pub actor_role: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub at: i64,
    #[sea_orm(belongs_to, from = "application_id", to = "id")]
    pub application: BelongsTo<super::installment_application::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
