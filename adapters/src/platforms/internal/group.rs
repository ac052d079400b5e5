//! Many collects in one transaction (group commit). A close of business debits tens of
//! thousands of installments on the bank's own ledger; done one transaction each, every
//! debit paid some twenty round trips and a commit. Here a group of debits shares each
//! statement: the keys seen before, the accounts, one floored `UPDATE` of the deposit
//! accounts, the entries, the postings, one `UPDATE` of the bank's shards. Each movement
//! keeps its own key, entry and postings, exactly as [`InternalPlatform::collect_in`]
//! records it.
//!
//! Rows are locked in one order by every group: the customers' deposit accounts by id
//! first, the bank's shards by id last, by the caller's final statement just before the
//! commit ([`BankCredits::apply`]), so two groups never wait on each other in a circle,
//! and a shard stays locked only from that statement to the commit. The locks are
//! `FOR NO KEY UPDATE`: the postings' foreign keys take `KEY SHARE` locks on the same
//! accounts, which a `FOR UPDATE` would wait on (two groups crediting one shard deadlocked
//! that way).

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::LockType;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use entities::ledger_account::{self, LedgerAccountKind};
use entities::ledger_entry::{self, LedgerEntryKind, LedgerOutcome};
use entities::ledger_posting;
use entities::many_rows::per_row;

use super::{InternalPlatform, collections_account_code, deposit_account_code};
use crate::platforms::CollectOutcome;

/// One collect of a group.
#[derive(Debug, Clone, Copy)]
pub struct GroupCollect<'a> {
    /// The movement's idempotency key.
    pub key: &'a str,
    /// Whose deposit account pays.
    pub customer_id: Uuid,
    /// How much (fen, more than zero).
    pub amount_fen: i64,
}

/// The accounts of a group, by code.
type Accounts = HashMap<String, ledger_account::Model>;

/// What a group's collects owe the bank's collections shards, credited by the caller as
/// the last statement of its transaction (see the module documentation). Until it is
/// applied the ledger does not balance: the transaction must not commit without it.
#[must_use = "the bank's side of the group's collects must be credited before the commit"]
#[derive(Debug, Default)]
pub struct BankCredits {
    /// Fen credited, by shard account.
    by_account: HashMap<Uuid, i64>,
    now: i64,
}

impl BankCredits {
    /// Credits the shards, locked in id order, in `txn`.
    pub async fn apply<C: ConnectionTrait>(self, txn: &C) -> Result<(), DbErr> {
        if self.by_account.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = self.by_account.keys().copied().collect();
        if txn.get_database_backend() != DbBackend::Sqlite {
            ledger_account::Entity::find()
                .select_only()
                .column(ledger_account::Column::Id)
                .filter(ledger_account::Column::Id.is_in(ids.clone()))
                .order_by_asc(ledger_account::Column::Id)
                .lock(LockType::NoKeyUpdate)
                .into_tuple::<Uuid>()
                .all(txn)
                .await?;
        }
        ledger_account::Entity::update_many()
            .col_expr(
                ledger_account::Column::BalanceFen,
                Expr::col(ledger_account::Column::BalanceFen).add(per_row(
                    ledger_account::Column::Id,
                    ledger_account::Column::BalanceFen,
                    self.by_account.iter().map(|(id, fen)| (*id, *fen)),
                )),
            )
            .col_expr(ledger_account::Column::UpdatedAt, Expr::value(self.now))
            .filter(ledger_account::Column::Id.is_in(ids))
            .exec(txn)
            .await?;
        Ok(())
    }
}

/// What [`InternalPlatform::collect_all_in`] did.
#[derive(Debug)]
pub struct GroupCollected {
    /// Per collect, in order: the outcome and the ledger entry's id, or `None` for a key
    /// recorded before.
    pub outcomes: Vec<Option<(CollectOutcome, Uuid)>>,
    /// The bank's side, to credit last.
    pub credits: BankCredits,
}

impl InternalPlatform {
    /// Collects each of `collects` inside the caller's `txn`, as
    /// [`Self::collect_in`] would one after the other, in a few statements for all, but
    /// for the bank's side, which the caller credits last ([`BankCredits::apply`]).
    /// Answers in the same order: the outcome and the ledger entry's id, or `None` for a
    /// key recorded before (nothing moves for it; the caller asks
    /// [`crate::platforms::InstallmentPlatform::collect`], which answers the recorded
    /// outcome). A customer with two collects in the group pays them in order while the
    /// balance covers them. A key that a concurrent transaction records first makes this
    /// one fail with a unique violation: the caller rolls back.
    pub async fn collect_all_in<C: ConnectionTrait>(
        txn: &C,
        collects: &[GroupCollect<'_>],
        now: i64,
    ) -> Result<GroupCollected, DbErr> {
        if collects.is_empty() {
            return Ok(GroupCollected {
                outcomes: Vec::new(),
                credits: BankCredits::default(),
            });
        }
        let keys: Vec<&str> = collects.iter().map(|c| c.key).collect();
        let recorded: HashSet<String> = ledger_entry::Entity::find()
            .select_only()
            .column(ledger_entry::Column::IdempotencyKey)
            .filter(ledger_entry::Column::IdempotencyKey.is_in(keys))
            .into_tuple::<String>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        let fresh: Vec<&GroupCollect<'_>> = collects
            .iter()
            .filter(|c| !recorded.contains(c.key))
            .collect();
        let deposits = Self::deposits_locked(txn, &fresh, now).await?;
        let shards = Self::shards(txn, &fresh, now).await?;

        // Decide every movement against the locked balances, in the group's order.
        let mut balances: HashMap<Uuid, i64> =
            deposits.values().map(|a| (a.id, a.balance_fen)).collect();
        let mut debited: HashMap<Uuid, i64> = HashMap::new();
        let mut credited: HashMap<Uuid, i64> = HashMap::new();
        let mut entries = Vec::with_capacity(fresh.len());
        let mut postings = Vec::new();
        let mut outcomes: HashMap<&str, (CollectOutcome, Uuid)> = HashMap::new();
        for c in &fresh {
            let deposit = &deposits[&deposit_account_code(c.customer_id)];
            let shard = &shards[&collections_account_code(c.customer_id)];
            let balance = balances.entry(deposit.id).or_insert(0);
            let moved = *balance >= c.amount_fen;
            let entry_id = Uuid::now_v7();
            let outcome = if moved {
                *balance -= c.amount_fen;
                *debited.entry(deposit.id).or_insert(0) += c.amount_fen;
                *credited.entry(shard.id).or_insert(0) += c.amount_fen;
                postings.push(posting(entry_id, deposit.id, -c.amount_fen, now));
                postings.push(posting(entry_id, shard.id, c.amount_fen, now));
                LedgerOutcome::Succeeded
            } else {
                LedgerOutcome::InsufficientFunds
            };
            entries.push(ledger_entry::ActiveModel {
                id: Set(entry_id),
                idempotency_key: Set(c.key.to_owned()),
                kind: Set(LedgerEntryKind::Collect),
                outcome: Set(outcome),
                amount_fen: Set(c.amount_fen),
                account_id: Set(deposit.id),
                created_at: Set(now),
            });
            let answer = match outcome {
                LedgerOutcome::Succeeded => CollectOutcome::Succeeded {
                    reference: entry_id.to_string(),
                },
                LedgerOutcome::InsufficientFunds => CollectOutcome::InsufficientFunds,
            };
            outcomes.insert(c.key, (answer, entry_id));
        }

        // The customers' side: every debited account in one statement, floored as a
        // single collect is, and all of them must move (they are locked: anything else is
        // a bug, and the caller rolls back).
        if !debited.is_empty() {
            let ids: Vec<Uuid> = debited.keys().copied().collect();
            let moved = ledger_account::Entity::update_many()
                .col_expr(
                    ledger_account::Column::BalanceFen,
                    Expr::col(ledger_account::Column::BalanceFen).sub(per_row(
                        ledger_account::Column::Id,
                        ledger_account::Column::BalanceFen,
                        debited.iter().map(|(id, fen)| (*id, *fen)),
                    )),
                )
                .col_expr(ledger_account::Column::UpdatedAt, Expr::value(now))
                .filter(ledger_account::Column::Id.is_in(ids.clone()))
                .filter(Expr::col(ledger_account::Column::BalanceFen).gte(per_row(
                    ledger_account::Column::Id,
                    ledger_account::Column::BalanceFen,
                    debited.iter().map(|(id, fen)| (*id, *fen)),
                )))
                .exec(txn)
                .await?
                .rows_affected;
            if moved != ids.len() as u64 {
                return Err(DbErr::Custom(format!(
                    "{} of {} locked deposit accounts covered their group's collects",
                    moved,
                    ids.len()
                )));
            }
        }
        ledger_entry::Entity::insert_many(entries)
            .exec_without_returning(txn)
            .await?;
        if !postings.is_empty() {
            ledger_posting::Entity::insert_many(postings)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(GroupCollected {
            outcomes: collects.iter().map(|c| outcomes.remove(c.key)).collect(),
            credits: BankCredits {
                by_account: credited,
                now,
            },
        })
    }

    /// The deposit accounts of `collects`' customers, by code, locked in id order until
    /// the commit (made, empty, where missing).
    async fn deposits_locked<C: ConnectionTrait>(
        txn: &C,
        collects: &[&GroupCollect<'_>],
        now: i64,
    ) -> Result<Accounts, DbErr> {
        let mut wanted: HashMap<String, Uuid> = collects
            .iter()
            .map(|c| (deposit_account_code(c.customer_id), c.customer_id))
            .collect();
        let mut found: Accounts = HashMap::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        for account in ledger_account::Entity::find()
            .filter(ledger_account::Column::Code.is_in(wanted.keys().cloned()))
            .order_by_asc(ledger_account::Column::Id)
            .lock(LockType::NoKeyUpdate)
            .all(txn)
            .await?
        {
            wanted.remove(&account.code);
            found.insert(account.code.clone(), account);
        }
        // A customer who never deposited has no account: made with nothing in it, so the
        // collect is short, as a single collect would find it.
        for (code, customer_id) in wanted {
            let account = Self::account(
                txn,
                &code,
                LedgerAccountKind::CustomerDeposit,
                Some(customer_id),
                now,
            )
            .await?;
            found.insert(code, account);
        }
        Ok(found)
    }

    /// The collections shards of `collects`' customers, by code (not locked: see the
    /// module documentation).
    async fn shards<C: ConnectionTrait>(
        txn: &C,
        collects: &[&GroupCollect<'_>],
        now: i64,
    ) -> Result<Accounts, DbErr> {
        let mut wanted: HashSet<String> = collects
            .iter()
            .map(|c| collections_account_code(c.customer_id))
            .collect();
        let mut found: Accounts = HashMap::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        for account in ledger_account::Entity::find()
            .filter(ledger_account::Column::Code.is_in(wanted.iter().cloned()))
            .all(txn)
            .await?
        {
            wanted.remove(&account.code);
            found.insert(account.code.clone(), account);
        }
        for code in wanted {
            let account =
                Self::account(txn, &code, LedgerAccountKind::BankCollections, None, now).await?;
            found.insert(code, account);
        }
        Ok(found)
    }
}

/// One side of a movement.
fn posting(
    entry_id: Uuid,
    account_id: Uuid,
    amount_fen: i64,
    now: i64,
) -> ledger_posting::ActiveModel {
    ledger_posting::ActiveModel {
        id: Set(Uuid::now_v7()),
        entry_id: Set(entry_id),
        account_id: Set(account_id),
        amount_fen: Set(amount_fen),
        created_at: Set(now),
    }
}
