//! A follow-up (定期回访) an agent owes a customer, and what came of it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_up_task")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub plan_id: Option<Uuid>,
    /// `ACTIVATION`, `PERIODIC`, `FAILED_DEBIT`.
    pub reason: String,
    /// What makes it once (`activation:<plan>`, `periodic:<plan>:<n>`,
    /// `failed_debit:<entry>`).
    #[sea_orm(unique)]
    pub dedupe_key: String,
    /// The agent's account.
    pub assigned_to: Option<Uuid>,
    /// `OPEN` or `DONE`.
    pub status: String,
    /// `YYYY-MM-DD`, the bank's local day.
    pub due_on: String,
    pub created_at: i64,
    pub done_at: Option<i64>,
    pub reached: Option<bool>,
    pub channel: Option<String>,
    /// 1–5.
    pub satisfaction: Option<i32>,
    pub notes: Option<String>,
    pub problems: Option<String>,
    /// The ticket a problem found opened.
    pub ticket_id: Option<Uuid>,
    /// Why the contact fell in quiet hours, when it did.
    pub quiet_hours: Option<String>,
    pub recorded_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
