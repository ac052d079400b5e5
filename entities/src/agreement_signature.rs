//! A signature on an agreement: the customer's (by code or on paper) or the bank's.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreement_signature")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agreement_id: Uuid,
    /// `CUSTOMER` or `BANK`: one signature per side.
    pub side: String,
    /// `CODE`, `PAPER` or `COUNTERSIGN`.
    pub method: String,
    pub signer_id: Uuid,
    pub signed_at: i64,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// The SHA-256 of the document signed.
    pub document_sha256: String,
    /// The consent wording the signer confirmed.
    pub consent_wording: String,
    /// A paper signature: the scanned file's SHA-256.
    pub scan_sha256: Option<String>,
    /// A paper signature: the witness.
    pub witness: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
