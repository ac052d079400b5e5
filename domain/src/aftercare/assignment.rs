//! Who makes a follow-up: fairly, the customer's own agent (the last active agent who
//! logged a contact with them), else the active agent with the fewest open tasks,
//! counting the tasks being given in the same run so a burst spreads evenly.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use entities::account::{self, AccountStatus};
use entities::{contact_log, follow_up_task};

use super::follow_ups::OPEN;
use crate::error::DomainResult;
use crate::service::Domain;

/// Customers whose contacts are read per statement.
const BATCH: usize = 500;

impl Domain {
    /// An agent for each of `customers` (one customer may repeat): their own agent, the
    /// last to log a contact with them while still an active agent; else the active
    /// agent with the fewest open tasks, counting those just given. Read through `db`
    /// (a caller's transaction: one connection, however busy the pool).
    pub(super) async fn assign<C: ConnectionTrait>(
        &self,
        db: &C,
        customers: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Uuid>> {
        let agents: Vec<Uuid> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Role.eq("agent"))
            .filter(account::Column::Status.eq(AccountStatus::Active))
            .order_by_asc(account::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        if agents.is_empty() {
            return Ok(HashMap::new());
        }
        let mut load: HashMap<Uuid, i64> = agents.iter().map(|a| (*a, 0)).collect();
        let counts: Vec<(Option<Uuid>, i64)> = follow_up_task::Entity::find()
            .select_only()
            .column(follow_up_task::Column::AssignedTo)
            .column_as(follow_up_task::Column::Id.count(), "open")
            .filter(follow_up_task::Column::Status.eq(OPEN))
            .group_by(follow_up_task::Column::AssignedTo)
            .into_tuple()
            .all(db)
            .await?;
        for (agent, n) in counts {
            if let Some(slot) = agent.and_then(|a| load.get_mut(&a)) {
                *slot = n;
            }
        }
        let mut own: HashMap<Uuid, Uuid> = HashMap::new();
        let mut distinct: Vec<Uuid> = customers.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        for chunk in distinct.chunks(BATCH) {
            let contacts: Vec<(Uuid, Uuid)> = contact_log::Entity::find()
                .select_only()
                .column(contact_log::Column::CustomerId)
                .column(contact_log::Column::AgentId)
                .filter(contact_log::Column::CustomerId.is_in(chunk.to_vec()))
                .order_by_desc(contact_log::Column::OccurredAt)
                .into_tuple()
                .all(db)
                .await?;
            for (customer, agent) in contacts {
                if load.contains_key(&agent) {
                    own.entry(customer).or_insert(agent);
                }
            }
        }
        let mut out = HashMap::new();
        for customer in customers {
            let agent = match own.get(customer) {
                Some(a) => *a,
                None => {
                    // The fewest open tasks; ties to the first by id (stable).
                    let Some(a) = agents.iter().min_by_key(|a| load.get(a).copied()) else {
                        continue;
                    };
                    *a
                }
            };
            *load.entry(agent).or_default() += 1;
            out.insert(*customer, agent);
        }
        Ok(out)
    }
}
