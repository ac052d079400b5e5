//! Finding a customer: by name (a part of it), or exactly by mobile or ID number through
//! their keyed hashes — the clear numbers are never searchable in the database.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use entities::customer;

use crate::auth::Caller;
use crate::auth::Permission;
use crate::error::{DomainError, DomainResult};
use crate::page::{Page, PageRequest};
use crate::pii::{IdNumber, MobileNumber};
use crate::service::Domain;

use super::access::ANONYMIZED;

/// What to look for; at least one field.
#[derive(Clone, Default)]
pub struct CustomerSearch {
    /// A part of the name.
    pub name: Option<String>,
    /// The exact mobile number.
    pub mobile: Option<String>,
    /// The exact resident ID number.
    pub id_number: Option<String>,
}

/// A search hit: enough to recognize the customer, identifiers masked.
#[derive(Debug, Clone)]
pub struct CustomerSummary {
    /// The customer id.
    pub id: Uuid,
    /// The legal name.
    pub full_name: String,
    /// Mobile, masked.
    pub mobile_masked: Option<String>,
    /// ID number, masked.
    pub id_number_masked: Option<String>,
    /// Birth date.
    pub birth_date: Option<chrono::NaiveDate>,
}

impl Domain {
    /// Staff search, oldest first; the cursor is the id.
    pub async fn search_customers(
        &self,
        search: CustomerSearch,
        page: PageRequest<Uuid>,
        caller: &Caller,
    ) -> DomainResult<Page<CustomerSummary, Uuid>> {
        caller.require(Permission::SearchCustomers)?;
        let mut cond = Condition::all().add(customer::Column::Status.ne(ANONYMIZED));
        let mut any = false;
        if let Some(name) = search
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if name.chars().count() > 100 {
                return Err(DomainError::validation(
                    "name",
                    "Search with at most 100 characters.",
                ));
            }
            cond = cond.add(customer::Column::FullName.contains(name));
            any = true;
        }
        if let Some(mobile) = search.mobile.as_deref().filter(|m| !m.trim().is_empty()) {
            let mobile = MobileNumber::parse(mobile, "mobile")?;
            cond = cond.add(
                customer::Column::MobileHash.eq(self
                    .keys()
                    .blind_index(MobileNumber::PURPOSE, mobile.expose())),
            );
            any = true;
        }
        if let Some(id) = search.id_number.as_deref().filter(|m| !m.trim().is_empty()) {
            let id = IdNumber::parse(id, "idNumber", self.today())?;
            cond = cond.add(
                customer::Column::IdNumberHash
                    .eq(self.keys().blind_index(IdNumber::PURPOSE, id.expose())),
            );
            any = true;
        }
        if !any {
            return Err(DomainError::validation(
                "name",
                "Search by a name, a mobile number or an ID number.",
            ));
        }
        if let Some(after) = page.after {
            cond = cond.add(customer::Column::Id.gt(after));
        }
        let rows = customer::Entity::find()
            .filter(cond)
            .order_by_asc(customer::Column::Id)
            .limit(page.first + 1)
            .all(self.db())
            .await?;
        let items = rows
            .iter()
            .map(|m| {
                let v = self.customer_view(m)?;
                Ok((
                    m.id,
                    CustomerSummary {
                        id: v.id,
                        full_name: v.full_name,
                        mobile_masked: v.mobile_masked,
                        id_number_masked: v.id_number_masked,
                        birth_date: v.birth_date,
                    },
                ))
            })
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.first))
    }
}

impl std::fmt::Debug for CustomerSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerSearch")
            .field(
                "name",
                &self
                    .name
                    .as_deref()
                    .map(|n| crate::pii::mask::keep_ends(n, 1, 0)),
            )
            .field(
                "mobile",
                &self
                    .mobile
                    .as_deref()
                    .map(|m| crate::pii::mask::keep_ends(m, 3, 4)),
            )
            .field(
                "id_number",
                &self
                    .id_number
                    .as_deref()
                    .map(|i| crate::pii::mask::keep_ends(i, 3, 4)),
            )
            .finish()
    }
}
