//! One request that may move money on the internal platform (a deposit, a collect), kept
//! under its idempotency key with its outcome, whether money moved or not.

use sea_orm::entity::prelude::*;

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LedgerEntryKind {
    /// Money into a customer's deposit account.
    #[sea_orm(string_value = "DEPOSIT")]
    Deposit,
    /// An installment debited from a customer's deposit account.
    #[sea_orm(string_value = "COLLECT")]
    Collect,
}

/// What came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum LedgerOutcome {
    /// The money moved.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// The deposit account held less than asked; nothing moved.
    #[sea_orm(string_value = "INSUFFICIENT_FUNDS")]
    InsufficientFunds,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub kind: LedgerEntryKind,
    pub outcome: LedgerOutcome,
    pub amount_fen: i64,
    /// The customer's deposit account it concerns.
    pub account_id: Uuid,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
