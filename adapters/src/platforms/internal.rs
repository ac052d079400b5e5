//! The bank's own installment platform: the ledger in our database.
//!
//! Each customer has a repayment deposit account; the bank has a collections account and
//! a funding account (the other side of money coming in). Every movement is one entry
//! under an idempotency key with postings that sum to zero, and each account's balance is
//! updated with its postings in the same transaction. A collect:
//!
//! 1. answers the recorded outcome if its key was seen before (nothing moves);
//! 2. debits the deposit account only where the balance covers it (`balance >= amount` in
//!    the same `UPDATE`, so concurrent debits can never take it below zero);
//! 3. credits the bank's collections account, records the entry and its two postings;
//! 4. commits. A concurrent request with the same key fails on the entry's unique key,
//!    rolls back whatever it moved, and answers the outcome the first one recorded.
//!
//! Too little money is an outcome ([`CollectOutcome::InsufficientFunds`]), recorded under
//! its key like a success.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use entities::ledger_account::{self, LedgerAccountKind};
use entities::ledger_entry::{self, LedgerEntryKind, LedgerOutcome};
use entities::ledger_posting;

mod group;

pub use group::{BankCredits, GroupCollect, GroupCollected};

use super::callback::{CallbackError, CallbackEvent, CallbackHeaders};
use super::messages::{
    OpenPlanRequest, PlanState, PlanStatus, PrepayRequest, PricingTerms, Product, QuoteRequest,
    Statement,
};
use super::{CollectOutcome, CollectRequest, INTERNAL_CODE, InstallmentPlatform, PlatformError};

/// The collections account: the family of the bank's accounts that collected money is
/// credited to (see [`collections_account_code`]); its balance is the sum of theirs.
pub const COLLECTIONS: &str = "bank:collections";
/// The funding account: the other side of money brought in (see
/// [`funding_account_code`]); its balance is the sum of its shards'.
pub const FUNDING: &str = "bank:funding";

/// Shards of each bank account. Every movement changes one bank account row; with a
/// single row, concurrent collects queue on its lock from their last `UPDATE` to their
/// commit, and on PostgreSQL each update leaves a dead version (and the postings' foreign
/// keys a multixact lock) that the next readers walk: a close of business spent 33 ms of
/// every debit waiting on that row. Spread by customer over this many rows, two collects
/// meet on one only by chance, and each row changes a sixty-fourth as often.
pub const BANK_ACCOUNT_SHARDS: u128 = 64;

/// The shard of a bank account family (`COLLECTIONS`, `FUNDING`) a customer's movements
/// use: fixed per customer, so one customer's movements stay on one row.
fn bank_shard(family: &str, customer_id: Uuid) -> String {
    format!(
        "{family}:{:02}",
        customer_id.as_u128() % BANK_ACCOUNT_SHARDS
    )
}

/// The collections shard credited by a customer's collects.
pub fn collections_account_code(customer_id: Uuid) -> String {
    bank_shard(COLLECTIONS, customer_id)
}

/// The funding shard debited by a customer's deposits.
pub fn funding_account_code(customer_id: Uuid) -> String {
    bank_shard(FUNDING, customer_id)
}

/// The code of a customer's deposit account.
pub fn deposit_account_code(customer_id: Uuid) -> String {
    format!("customer:{customer_id}")
}

/// The internal platform.
#[derive(Clone)]
pub struct InternalPlatform {
    db: DatabaseConnection,
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    /// The bank's own products, as its registry entry lists them.
    products: Arc<Vec<Product>>,
}

impl std::fmt::Debug for InternalPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InternalPlatform").finish_non_exhaustive()
    }
}

fn unavailable(e: DbErr) -> PlatformError {
    PlatformError::Unavailable(format!("the ledger did not answer: {e}"))
}

fn is_duplicate(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// A movement done now, or found done before under its key.
enum Moved {
    Now(LedgerOutcome, Uuid),
    Before(ledger_entry::Model),
}

/// What one movement asks for.
struct Movement<'a> {
    key: &'a str,
    kind: LedgerEntryKind,
    customer_id: Uuid,
    amount_fen: i64,
}

impl InternalPlatform {
    /// The ledger in `db`, its instants from `now` (the domain's clock).
    pub fn new(db: DatabaseConnection, now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>) -> Self {
        Self {
            db,
            now,
            products: Arc::new(Vec::new()),
        }
    }

    /// The same ledger offering `products` (the registry's catalogue of the bank).
    pub fn with_products(mut self, products: Vec<Product>) -> Self {
        self.products = Arc::new(products);
        self
    }

    /// The reference of the internal plan of an application.
    pub fn plan_ref(application_id: Uuid) -> String {
        format!("INT-{application_id}")
    }

    /// Puts money into a customer's deposit account (a transfer from outside), once per
    /// key. Answers the entry's outcome.
    pub async fn deposit(
        &self,
        key: &str,
        customer_id: Uuid,
        amount_fen: i64,
    ) -> Result<LedgerOutcome, PlatformError> {
        self.move_once(Movement {
            key,
            kind: LedgerEntryKind::Deposit,
            customer_id,
            amount_fen,
        })
        .await
        .map(|(outcome, _)| outcome)
    }

    /// A customer's deposit balance in fen (0 without an account).
    pub async fn balance(&self, customer_id: Uuid) -> Result<i64, PlatformError> {
        Ok(ledger_account::Entity::find()
            .filter(ledger_account::Column::Code.eq(deposit_account_code(customer_id)))
            .one(&self.db)
            .await
            .map_err(unavailable)?
            .map_or(0, |a| a.balance_fen))
    }

    /// The account with `code`, made if missing (concurrent makers agree on one).
    ///
    /// It is read first and made only when the read finds nothing: an `INSERT … ON
    /// CONFLICT DO NOTHING` on an account that exists waits for any transaction that has
    /// updated that row and not yet committed (PostgreSQL must know whether the conflicting
    /// version stays), so on the bank's collections account, which every collect credits,
    /// it made each collect wait from its first statements for the one before to commit.
    /// A plain read never waits. Accounts are never deleted, so one found stays valid.
    async fn account<C: ConnectionTrait>(
        txn: &C,
        code: &str,
        kind: LedgerAccountKind,
        customer_id: Option<Uuid>,
        now: i64,
    ) -> Result<ledger_account::Model, DbErr> {
        if let Some(found) = ledger_account::Entity::find()
            .filter(ledger_account::Column::Code.eq(code))
            .one(txn)
            .await?
        {
            return Ok(found);
        }
        ledger_account::Entity::insert(ledger_account::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(code.to_owned()),
            customer_id: Set(customer_id),
            kind: Set(kind),
            balance_fen: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(ledger_account::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        ledger_account::Entity::find()
            .filter(ledger_account::Column::Code.eq(code))
            .one(txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(code.to_owned()))
    }

    /// Adds `delta` to an account's balance; with `floor`, only if the balance stays at or
    /// above zero. True when it was applied.
    async fn shift<C: ConnectionTrait>(
        txn: &C,
        account_id: Uuid,
        delta: i64,
        floor: bool,
        now: i64,
    ) -> Result<bool, DbErr> {
        let mut update = ledger_account::Entity::update_many()
            .col_expr(
                ledger_account::Column::BalanceFen,
                Expr::col(ledger_account::Column::BalanceFen).add(delta),
            )
            .col_expr(ledger_account::Column::UpdatedAt, Expr::value(now))
            .filter(ledger_account::Column::Id.eq(account_id));
        if floor {
            update = update.filter(ledger_account::Column::BalanceFen.gte(-delta));
        }
        Ok(update.exec(txn).await?.rows_affected == 1)
    }

    /// The outcome recorded under `m`'s key, if it was the same request: a key reused for
    /// another kind, customer or amount is a bug upstream, refused rather than answered
    /// with someone else's outcome.
    async fn same_request(
        &self,
        m: &Movement<'_>,
        entry: ledger_entry::Model,
    ) -> Result<(LedgerOutcome, Uuid), PlatformError> {
        let account = ledger_account::Entity::find_by_id(entry.account_id)
            .one(&self.db)
            .await
            .map_err(unavailable)?;
        let same = entry.kind == m.kind
            && entry.amount_fen == m.amount_fen
            && account.is_some_and(|a| a.customer_id == Some(m.customer_id));
        if same {
            Ok((entry.outcome, entry.id))
        } else {
            Err(PlatformError::Invalid(format!(
                "the idempotency key '{}' was used before for another request",
                m.key
            )))
        }
    }

    /// The recorded outcome of `key`, if any.
    async fn recorded<C: ConnectionTrait>(
        db: &C,
        key: &str,
    ) -> Result<Option<ledger_entry::Model>, DbErr> {
        ledger_entry::Entity::find()
            .filter(ledger_entry::Column::IdempotencyKey.eq(key))
            .one(db)
            .await
    }

    /// One movement, at most once per key: (outcome, entry id).
    async fn move_once(&self, m: Movement<'_>) -> Result<(LedgerOutcome, Uuid), PlatformError> {
        if m.amount_fen <= 0 {
            return Err(PlatformError::Invalid(format!(
                "the amount must be more than zero fen, not {}",
                m.amount_fen
            )));
        }
        match self.try_move(&m).await {
            Ok(Moved::Now(outcome, id)) => Ok((outcome, id)),
            Ok(Moved::Before(entry)) => self.same_request(&m, entry).await,
            // Another request with this key committed first: answer what it recorded.
            Err(e) if is_duplicate(&e) => match Self::recorded(&self.db, m.key).await {
                Ok(Some(entry)) => self.same_request(&m, entry).await,
                Ok(None) => Err(PlatformError::Unavailable(
                    "a concurrent request with this key did not commit; try again".into(),
                )),
                Err(e) => Err(unavailable(e)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn try_move(&self, m: &Movement<'_>) -> Result<Moved, DbErr> {
        let now = (self.now)().timestamp_millis();
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        let moved = Self::move_in(&txn, m, now).await?;
        match moved {
            Moved::Before(_) => txn.rollback().await?,
            Moved::Now(..) => txn.commit().await?,
        }
        Ok(moved)
    }

    /// Collects `amount_fen` from `customer_id`'s deposit account under `key` inside the
    /// caller's transaction `txn` (the bank's ledger lives in the business's own
    /// database), so that a debit can be collected and posted in one transaction: the
    /// movement commits exactly when its posting does. Answers the outcome and the
    /// ledger entry's id, or `None` when the key was recorded before (the caller then
    /// asks [`InstallmentPlatform::collect`], which answers the recorded outcome). A
    /// concurrent transaction with the same key makes this one fail with a unique
    /// violation when it commits first: the caller rolls back.
    pub async fn collect_in<C: ConnectionTrait>(
        txn: &C,
        key: &str,
        customer_id: Uuid,
        amount_fen: i64,
        now_millis: i64,
    ) -> Result<Option<(CollectOutcome, Uuid)>, DbErr> {
        let m = Movement {
            key,
            kind: LedgerEntryKind::Collect,
            customer_id,
            amount_fen,
        };
        Ok(match Self::move_in(txn, &m, now_millis).await? {
            Moved::Before(_) => None,
            Moved::Now(outcome, id) => Some((
                match outcome {
                    LedgerOutcome::Succeeded => CollectOutcome::Succeeded {
                        reference: id.to_string(),
                    },
                    LedgerOutcome::InsufficientFunds => CollectOutcome::InsufficientFunds,
                },
                id,
            )),
        })
    }

    /// One movement in `txn`, unless its key was recorded before.
    async fn move_in<C: ConnectionTrait>(
        txn: &C,
        m: &Movement<'_>,
        now: i64,
    ) -> Result<Moved, DbErr> {
        if let Some(entry) = Self::recorded(txn, m.key).await? {
            return Ok(Moved::Before(entry));
        }
        let deposit = Self::account(
            txn,
            &deposit_account_code(m.customer_id),
            LedgerAccountKind::CustomerDeposit,
            Some(m.customer_id),
            now,
        )
        .await?;
        // The bank's side of the movement: collections for a collect, funding for a
        // deposit, each the customer's shard of it (see `BANK_ACCOUNT_SHARDS`).
        let (bank, customer_delta) = match m.kind {
            LedgerEntryKind::Collect => (
                Self::account(
                    txn,
                    &collections_account_code(m.customer_id),
                    LedgerAccountKind::BankCollections,
                    None,
                    now,
                )
                .await?,
                -m.amount_fen,
            ),
            LedgerEntryKind::Deposit => (
                Self::account(
                    txn,
                    &funding_account_code(m.customer_id),
                    LedgerAccountKind::BankFunding,
                    None,
                    now,
                )
                .await?,
                m.amount_fen,
            ),
        };
        let (from, to) = if customer_delta < 0 {
            (deposit.id, bank.id)
        } else {
            (bank.id, deposit.id)
        };
        // The customer's side first: only a deposit account has a floor (a collect takes
        // nothing it does not cover), and whether it moved decides the outcome. The bank's
        // account (the funding account is the negative of all money brought in) is shifted
        // last, just before the commit, so that its row, shared with other customers'
        // movements, is locked for one statement and the commit rather than for the whole
        // transaction.
        let debited = Self::shift(txn, deposit.id, customer_delta, customer_delta < 0, now).await?;
        let outcome = if debited {
            LedgerOutcome::Succeeded
        } else {
            LedgerOutcome::InsufficientFunds
        };
        let entry_id = Uuid::now_v7();
        ledger_entry::Entity::insert(ledger_entry::ActiveModel {
            id: Set(entry_id),
            idempotency_key: Set(m.key.to_owned()),
            kind: Set(m.kind),
            outcome: Set(outcome),
            amount_fen: Set(m.amount_fen),
            account_id: Set(deposit.id),
            created_at: Set(now),
        })
        .exec_without_returning(txn)
        .await?;
        if debited {
            ledger_posting::Entity::insert_many([
                ledger_posting::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    entry_id: Set(entry_id),
                    account_id: Set(from),
                    amount_fen: Set(-m.amount_fen),
                    created_at: Set(now),
                },
                ledger_posting::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    entry_id: Set(entry_id),
                    account_id: Set(to),
                    amount_fen: Set(m.amount_fen),
                    created_at: Set(now),
                },
            ])
            .exec_without_returning(txn)
            .await?;
            Self::shift(txn, bank.id, -customer_delta, false, now).await?;
        }
        Ok(Moved::Now(outcome, entry_id))
    }
}

#[async_trait]
impl InstallmentPlatform for InternalPlatform {
    fn code(&self) -> &str {
        INTERNAL_CODE
    }

    async fn products(&self) -> Result<Vec<Product>, PlatformError> {
        Ok(self.products.as_ref().clone())
    }

    async fn quote(&self, request: &QuoteRequest) -> Result<PricingTerms, PlatformError> {
        let product = self
            .products
            .iter()
            .find(|p| p.code == request.product_code)
            .ok_or_else(|| {
                PlatformError::Invalid(format!("no product '{}'", request.product_code))
            })?;
        product.price(request).map_err(PlatformError::Rejected)
    }

    /// The bank's own plans are kept by the business in its own tables; the ledger only
    /// names them.
    async fn open_plan(&self, request: &OpenPlanRequest) -> Result<PlanStatus, PlatformError> {
        Ok(PlanStatus {
            plan_ref: Self::plan_ref(request.application_id),
            state: PlanState::Active,
            sequence: 1,
        })
    }

    async fn plan_status(&self, _plan_ref: &str) -> Result<PlanStatus, PlatformError> {
        Err(PlatformError::Unsupported(
            "plan status (the bank's own plans are read from its tables)",
        ))
    }

    async fn cancel(&self, plan_ref: &str, _reason: &str) -> Result<PlanStatus, PlatformError> {
        Ok(PlanStatus {
            plan_ref: plan_ref.to_owned(),
            state: PlanState::Cancelled,
            sequence: i64::MAX,
        })
    }

    async fn prepay(&self, request: &PrepayRequest) -> Result<CollectOutcome, PlatformError> {
        self.collect(&CollectRequest {
            idempotency_key: request.idempotency_key.clone(),
            customer_id: request.customer_id,
            plan_ref: request.plan_ref.clone(),
            amount_fen: request.amount_fen,
        })
        .await
    }

    async fn statement(&self, _date: chrono::NaiveDate) -> Result<Statement, PlatformError> {
        Err(PlatformError::Unsupported(
            "statements (the ledger is our own book: nothing to reconcile against)",
        ))
    }

    fn parse_callback(
        &self,
        _headers: CallbackHeaders<'_>,
        _body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<CallbackEvent, CallbackError> {
        Err(CallbackError::Unsupported)
    }

    async fn collect(&self, request: &CollectRequest) -> Result<CollectOutcome, PlatformError> {
        let (outcome, entry_id) = self
            .move_once(Movement {
                key: &request.idempotency_key,
                kind: LedgerEntryKind::Collect,
                customer_id: request.customer_id,
                amount_fen: request.amount_fen,
            })
            .await?;
        Ok(match outcome {
            LedgerOutcome::Succeeded => CollectOutcome::Succeeded {
                reference: entry_id.to_string(),
            },
            LedgerOutcome::InsufficientFunds => CollectOutcome::InsufficientFunds,
        })
    }
}
