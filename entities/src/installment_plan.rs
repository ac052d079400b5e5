//! An installment plan, as far as stage 1 needs it: whether it is active and how its
//! repayments have gone (read by deletion requests and the bank's own credit history).
//! Later migrations add the schedule and the repayment state.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installment_plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub status: String,
    pub principal_fen: i64,
    pub days_past_due: i32,
    pub last_delinquent_at: Option<i64>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// The application it carries out (none for plans that came from elsewhere).
    pub application_id: Option<Uuid>,
    /// The platform holding it.
    pub platform_code: Option<String>,
    /// The platform's reference of it.
    pub external_ref: Option<String>,
    /// The platform's change counter of the last status applied: an older one is stale.
    pub status_sequence: i64,
    /// The due date of its oldest overdue installment (none while current).
    pub delinquent_since: Option<String>,
    /// `CURRENT`, `M1`, `M2`, `M3` or `M3_PLUS`.
    pub bucket: String,
    /// Its repayment terms (JSON): rate, method, late-charge and prepayment terms.
    pub terms: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
