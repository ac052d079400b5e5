//! An account of the bank's own installment platform: a customer's repayment deposit
//! account, or one of the bank's own. Its balance is kept with every posting, in the same
//! transaction, so it is always the sum of its postings.

use sea_orm::entity::prelude::*;

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum LedgerAccountKind {
    /// A customer's repayment deposit account: never below zero.
    #[sea_orm(string_value = "CUSTOMER_DEPOSIT")]
    CustomerDeposit,
    /// Where collected installments go.
    #[sea_orm(string_value = "BANK_COLLECTIONS")]
    BankCollections,
    /// The other side of money coming in from outside (a transfer into a deposit
    /// account); its balance is the negative of all deposits.
    #[sea_orm(string_value = "BANK_FUNDING")]
    BankFunding,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `customer:<uuid>` or `bank:collections`, `bank:funding`.
    #[sea_orm(unique)]
    pub code: String,
    pub customer_id: Option<Uuid>,
    pub kind: LedgerAccountKind,
    pub balance_fen: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
