//! Appending to and verifying the hash chain.
//!
//! Entry n stores `hash_n = SHA-256(hash_{n-1} ‖ content_n)`, where the content is a
//! canonical JSON array of the entry's fields. The `audit_head` row holds the newest
//! sequence number and hash; appending locks it (serializing writers on PostgreSQL;
//! SQLite writers are already serialized by `BEGIN IMMEDIATE`).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use entities::{audit_entry, audit_head};

use crate::auth::Caller;
use crate::clock::to_millis;
use crate::error::{DomainError, DomainResult};

use super::record::AuditRecord;

/// The hash the first entry links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How many entries verification reads per query.
const VERIFY_BATCH: u64 = 1000;

/// Appends `record` inside the caller's transaction `txn`, so the entry commits or rolls
/// back with the action it describes. Returns the entry's sequence number.
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    caller: &Caller,
    record: AuditRecord,
) -> DomainResult<i64> {
    let head = audit_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::Internal("the audit head row is missing".into()))?;
    let entry = audit_entry::Model {
        seq: head.seq + 1,
        occurred_at: to_millis(now),
        actor_id: caller.actor.map(|a| a.account_id),
        actor_role: caller.role_name().to_owned(),
        action: record.action.to_owned(),
        target_type: record.target_type.to_owned(),
        target_id: record.target_id,
        before: record.before.map(|v| v.to_string()),
        after: record.after.map(|v| v.to_string()),
        reason: record.reason,
        request_id: caller.meta.request_id.clone(),
        client_addr: caller.meta.client_addr.clone(),
        prev_hash: head.hash.clone(),
        hash: String::new(),
    };
    let hash = entry_hash(&head.hash, &entry);
    let seq = entry.seq;
    audit_entry::ActiveModel {
        hash: Set(hash.clone()),
        ..audit_entry::ActiveModel::from(entry)
    }
    .insert(txn)
    .await?;
    audit_head::ActiveModel {
        id: Set(1),
        seq: Set(seq),
        hash: Set(hash),
    }
    .update(txn)
    .await?;
    Ok(seq)
}

/// The hash of `entry` chained to `prev_hash`. Every field but the hashes is covered.
pub fn entry_hash(prev_hash: &str, entry: &audit_entry::Model) -> String {
    let content = json!([
        entry.seq,
        entry.occurred_at,
        entry.actor_id.map(|id| id.to_string()),
        entry.actor_role,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.before,
        entry.after,
        entry.reason,
        entry.request_id,
        entry.client_addr,
    ]);
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(content.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// How many entries were checked.
    pub checked: i64,
    /// The sequence number of the first entry that does not verify, if any.
    pub first_broken_seq: Option<i64>,
    /// What is wrong, in words; `None` when the chain is intact.
    pub problem: Option<String>,
}

impl ChainReport {
    /// True when every entry verified.
    pub fn is_intact(&self) -> bool {
        self.first_broken_seq.is_none() && self.problem.is_none()
    }
}

/// Recomputes every entry's hash in order up to the head row, read first, and compares
/// the end of the chain with it. Entries appended while it runs lie beyond that head and are
/// left for the next check. Reads in batches, so the trail may be long.
pub async fn verify(db: &DatabaseConnection) -> DomainResult<ChainReport> {
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::Internal("the audit head row is missing".into()))?;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut checked = 0i64;
    loop {
        let batch = audit_entry::Entity::find()
            .filter(audit_entry::Column::Seq.gte(expected_seq))
            .filter(audit_entry::Column::Seq.lte(head.seq))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(VERIFY_BATCH)
            .all(db)
            .await?;
        let batch_len = batch.len() as u64;
        for entry in batch {
            let broken = |problem: String| ChainReport {
                checked,
                first_broken_seq: Some(entry.seq),
                problem: Some(problem),
            };
            if entry.seq != expected_seq {
                return Ok(ChainReport {
                    checked,
                    first_broken_seq: Some(expected_seq),
                    problem: Some(format!(
                        "entry {expected_seq} is missing (the next entry found is {})",
                        entry.seq
                    )),
                });
            }
            if entry.prev_hash != prev_hash {
                return Ok(broken(format!(
                    "entry {} does not link to the entry before it",
                    entry.seq
                )));
            }
            if entry_hash(&prev_hash, &entry) != entry.hash {
                return Ok(broken(format!(
                    "entry {} was changed after it was written: its content does not match its hash",
                    entry.seq
                )));
            }
            checked += 1;
            expected_seq += 1;
            prev_hash = entry.hash;
        }
        if batch_len < VERIFY_BATCH {
            break;
        }
    }
    let last = expected_seq - 1;
    if head.seq != last || head.hash != prev_hash {
        let problem = if head.seq > last {
            format!(
                "the trail ends at entry {last} but the head records entry {}: entries were removed from the end",
                head.seq
            )
        } else {
            format!("the head row does not match entry {last}, the last entry of the trail")
        };
        return Ok(ChainReport {
            checked,
            first_broken_seq: Some(last + 1),
            problem: Some(problem),
        });
    }
    Ok(ChainReport {
        checked,
        first_broken_seq: None,
        problem: None,
    })
}
