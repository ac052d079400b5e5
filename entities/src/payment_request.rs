//! A customer's payment request under its idempotency key: the digest of what was asked
//! and the answer given, so a retry replays the answer and moves no money.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose key it is (keys are per account).
    pub account_id: Uuid,
    pub idempotency_key: String,
    /// SHA-256 (hex) of the request's operation and fields.
    pub request_sha256: String,
    /// `STARTED` or `DONE`.
    pub status: String,
    /// The answer given (JSON), once done.
    pub answer: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
