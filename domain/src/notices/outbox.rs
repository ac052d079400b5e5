//! Writing messages into the outbox, inside the caller's transaction: the message exists
//! exactly when the fact it announces does. Batched (two reads and a few inserts for any
//! number of notices), so close of business can remind thousands of customers at once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use entities::outbox_message::{self, OutboxStatus};
use entities::{customer, customer_preference};

use super::templates::{Language, Message};
use crate::clock::to_millis;
use crate::customers::finance::Channel;
use crate::error::DomainResult;

/// Rows per insert (well under SQLite's bound on parameters).
const CHUNK: usize = 200;

/// Bytes of one insert at most (estimated: the texts and a fixed share per row). sqlx
/// 0.9.0 leaves Nagle's algorithm on for PostgreSQL's TCP connections (`TCP_NODELAY`
/// unset, sqlx issue #4335): a statement the kernel takes in two writes (past the socket's
/// 16 KiB initial send buffer) sends its second part only once the server acknowledged
/// the first, and the server delays that acknowledgement some 40 ms. The receipts of a
/// group of 50 debits (100 rows, ~32 KiB) were such a statement: 44 ms of each group's
/// 90, seen with strace. Kept under the buffer.
const INSERT_BYTES: usize = 12 * 1024;

/// What a row costs beyond its texts (ids, kinds, numbers and the protocol's framing).
const ROW_BYTES: usize = 256;

/// A message to one customer about one fact.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// Who it is for.
    pub customer_id: Uuid,
    /// The plan it is about, if any.
    pub plan_id: Option<Uuid>,
    /// What it says.
    pub message: Message,
    /// Makes it once per fact (`due_soon:3:<entry>`): a second notice with the same key
    /// is dropped, whichever run or process writes it.
    pub once: Option<String>,
}

/// How one customer is written to: their language, whether they gave an e-mail address,
/// and the channels they chose (none chosen: text messages).
#[derive(Debug, Clone)]
pub(crate) struct Addressee {
    language: Language,
    has_email: bool,
    channels: Vec<Channel>,
}

impl Addressee {
    /// From the customer's row and preferences, for callers that read them already (a
    /// campaign's chunk), so the outbox does not read them twice.
    pub(crate) fn of(person: &customer::Model, prefs: Option<&customer_preference::Model>) -> Self {
        Self {
            language: Language::of(&person.preferred_language),
            has_email: person.email.is_some(),
            channels: prefs
                .map(|p| {
                    p.channels
                        .split(',')
                        .filter_map(|c| Channel::parse(c.trim()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Writes `notices` in `db` (a transaction): one copy to the in-app inbox, ready to read,
/// and one per text or e-mail channel the customer chose, waiting for the sender. A
/// signing code goes to one channel only, the customer's first. Returns the rows written.
pub(crate) async fn write<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    notices: &[Notice],
) -> DomainResult<usize> {
    if notices.is_empty() {
        return Ok(0);
    }
    let mut ids: Vec<Uuid> = notices.iter().map(|n| n.customer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut addressees: HashMap<Uuid, Addressee> = HashMap::new();
    for chunk in ids.chunks(CHUNK * 2) {
        // The customer and their preferences in one statement.
        let people = customer::Entity::find()
            .find_also_related(customer_preference::Entity)
            .filter(customer::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for (person, prefs) in people {
            addressees.insert(person.id, Addressee::of(&person, prefs.as_ref()));
        }
    }
    write_to(db, now, notices, &addressees).await
}

/// Writes `notices` to the `addressees` the caller read (a notice to anyone else is
/// dropped, as [`write`] drops one to a customer who does not exist).
pub(crate) async fn write_to<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    notices: &[Notice],
    addressees: &HashMap<Uuid, Addressee>,
) -> DomainResult<usize> {
    let at = to_millis(now);
    let mut rows = Vec::new();
    for notice in notices {
        let Some(to) = addressees.get(&notice.customer_id) else {
            continue;
        };
        let (language, has_email) = (to.language, to.has_email);
        let chosen = if to.channels.is_empty() {
            vec![Channel::Sms]
        } else {
            to.channels.clone()
        };
        let targets: Vec<Channel> = match notice.message {
            Message::SigningCode { .. } => chosen.into_iter().take(1).collect(),
            _ => {
                let mut t = vec![Channel::App];
                t.extend(chosen.into_iter().filter(|c| *c != Channel::App));
                t
            }
        };
        for channel in targets {
            if channel == Channel::Email && !has_email {
                continue;
            }
            let (subject, body) = notice.message.render(language, channel == Channel::Sms);
            let inbox = channel == Channel::App;
            let bytes = ROW_BYTES + body.len() + subject.len();
            rows.push((
                bytes,
                outbox_message::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    customer_id: Set(notice.customer_id),
                    channel: Set(channel.as_str().into()),
                    kind: Set(notice.message.kind().into()),
                    body: Set(body),
                    created_at: Set(at),
                    status: Set(if inbox {
                        OutboxStatus::Sent
                    } else {
                        OutboxStatus::Pending
                    }
                    .as_str()
                    .into()),
                    subject: Set(subject),
                    language: Set(language.as_str().into()),
                    plan_id: Set(notice.plan_id),
                    dedupe_key: Set(notice
                        .once
                        .as_ref()
                        .map(|k| format!("{k}:{}", channel.as_str()))),
                    respects_window: Set(notice.message.respects_window() && !inbox),
                    attempts: Set(0),
                    next_attempt_at: Set(at),
                    lease_until: Set(None),
                    lease_owner: Set(None),
                    provider: Set(inbox.then(|| "inbox".to_owned())),
                    provider_ref: Set(None),
                    last_error: Set(None),
                    sent_at: Set(inbox.then_some(at)),
                    read_at: Set(None),
                },
            ));
        }
    }
    let written = rows.len();
    for chunk in insert_chunks(rows) {
        outbox_message::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::column(outbox_message::Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(written)
}

/// `rows` (each with its estimated bytes) in inserts of at most [`CHUNK`] rows and
/// [`INSERT_BYTES`] bytes.
fn insert_chunks<T>(rows: Vec<(usize, T)>) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut chunk = Vec::new();
    let mut bytes = 0;
    for (size, row) in rows {
        if !chunk.is_empty() && (chunk.len() == CHUNK || bytes + size > INSERT_BYTES) {
            chunks.push(std::mem::take(&mut chunk));
            bytes = 0;
        }
        bytes += size;
        chunk.push(row);
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::{CHUNK, INSERT_BYTES, insert_chunks};

    #[test]
    fn inserts_stay_under_their_rows_and_bytes() {
        let rows: Vec<(usize, usize)> = (0..500).map(|i| (700, i)).collect();
        let chunks = insert_chunks(rows);
        assert!(chunks.iter().all(|c| c.len() * 700 <= INSERT_BYTES));
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 500);
        let flat: Vec<usize> = chunks.into_iter().flatten().collect();
        assert_eq!(flat, (0..500).collect::<Vec<_>>(), "order kept");

        let small: Vec<(usize, usize)> = (0..450).map(|i| (10, i)).collect();
        let lens: Vec<usize> = insert_chunks(small).iter().map(Vec::len).collect();
        assert_eq!(lens, vec![CHUNK, CHUNK, 50]);

        // A row larger than the bound still goes, alone.
        assert_eq!(insert_chunks(vec![(INSERT_BYTES * 2, 1)]), vec![vec![1]]);
    }
}
