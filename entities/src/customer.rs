//! A customer profile. The mobile and resident ID numbers are held only encrypted and as
//! keyed hashes for exact lookup; an anonymized customer keeps none of its personal data.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub account_id: Option<Uuid>,
    pub full_name: String,
    pub birth_date: Option<Date>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
    pub monthly_income_fen: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub mobile_enc: Option<String>,
    #[sea_orm(unique)]
    pub mobile_hash: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub id_number_enc: Option<String>,
    #[sea_orm(unique)]
    pub id_number_hash: Option<String>,
    pub preferred_language: String,
    pub status: String,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
    pub anonymized_at: Option<i64>,
    pub identity_verified_at: Option<i64>,
    pub identity_verified_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}

// The one-to-one children of a customer (their primary key is the customer's id), so a
// customer read can bring them along in the same statement. Declared here, both ways, so
// the children's files need not know the customer's.

/// Preferences belong to one customer.
impl Related<Entity> for super::customer_preference::Entity {
    fn to() -> RelationDef {
        super::customer_preference::Entity::belongs_to(Entity)
            .from(super::customer_preference::Column::CustomerId)
            .to(Column::Id)
            .into()
    }
}

/// A customer has at most one row of preferences.
impl Related<super::customer_preference::Entity> for Entity {
    fn to() -> RelationDef {
        <super::customer_preference::Entity as Related<Entity>>::to().rev()
    }
}

/// A financial status belongs to one customer.
impl Related<Entity> for super::financial_status::Entity {
    fn to() -> RelationDef {
        super::financial_status::Entity::belongs_to(Entity)
            .from(super::financial_status::Column::CustomerId)
            .to(Column::Id)
            .into()
    }
}

/// A customer has at most one financial status.
impl Related<super::financial_status::Entity> for Entity {
    fn to() -> RelationDef {
        <super::financial_status::Entity as Related<Entity>>::to().rev()
    }
}
