//! One mismatch a reconciliation found, until staff resolve it with a note.

use sea_orm::entity::prelude::*;

/// How the two sides disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum MismatchKind {
    /// In the partner's statement, not in our records.
    #[sea_orm(string_value = "MISSING_OURS")]
    MissingOurs,
    /// In our records, not in the partner's statement.
    #[sea_orm(string_value = "MISSING_THEIRS")]
    MissingTheirs,
    /// Both have it, with different amounts.
    #[sea_orm(string_value = "AMOUNT_DIFFERS")]
    AmountDiffers,
    /// Both have it; one says it moved, the other that it failed.
    #[sea_orm(string_value = "STATUS_DIFFERS")]
    StatusDiffers,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliation_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub report_id: Uuid,
    pub kind: MismatchKind,
    pub reference: String,
    pub plan_ref: String,
    pub ours_fen: Option<i64>,
    pub theirs_fen: Option<i64>,
    pub our_status: Option<String>,
    pub their_status: Option<String>,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<Uuid>,
    pub note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
