//! One contact between an agent and a customer about an application (初步沟通).

use sea_orm::entity::prelude::*;

/// How the contact happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ContactChannel {
    /// A phone call.
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// A text message.
    #[sea_orm(string_value = "SMS")]
    Sms,
    /// An e-mail.
    #[sea_orm(string_value = "EMAIL")]
    Email,
    /// A chat in the app or on the web.
    #[sea_orm(string_value = "CHAT")]
    Chat,
    /// At a branch or a visit.
    #[sea_orm(string_value = "IN_PERSON")]
    InPerson,
}

/// Who reached whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ContactDirection {
    /// The customer reached the bank.
    #[sea_orm(string_value = "INBOUND")]
    Inbound,
    /// The bank reached the customer.
    #[sea_orm(string_value = "OUTBOUND")]
    Outbound,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub customer_id: Uuid,
    /// The agent's account.
    pub agent_id: Uuid,
    pub channel: ContactChannel,
    pub direction: ContactDirection,
    pub summary: String,
    pub next_step: Option<String>,
    /// `YYYY-MM-DD`, the bank's local day.
    pub next_step_due: Option<String>,
    /// When the next step was done (the next contact on the application).
    pub next_step_done_at: Option<i64>,
    pub occurred_at: i64,
    pub recorded_at: i64,
    /// Why the contact fell in quiet hours, when it did.
    pub quiet_hours: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
