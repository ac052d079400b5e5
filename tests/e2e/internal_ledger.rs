//! The bank's own platform: many concurrent collects on one deposit account, with deposits
//! and insufficient funds in between, leave a ledger that balances; one key never moves
//! money twice, however often and however concurrently it is sent.

use std::sync::Arc;

use adapters::platforms::internal::{
    COLLECTIONS, FUNDING, collections_account_code, deposit_account_code, funding_account_code,
};
use adapters::platforms::{CollectOutcome, CollectRequest, InstallmentPlatform, InternalPlatform};
use entities::ledger_account::LedgerAccountKind;
use entities::ledger_entry::LedgerOutcome;
use entities::{ledger_account, ledger_entry, ledger_posting};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::TestApp;

fn platform(app: &TestApp) -> InternalPlatform {
    let clock = app.clock.clone();
    InternalPlatform::new(
        app.db().clone(),
        Arc::new(move || domain::clock::Clock::now(clock.as_ref())),
    )
}

fn collect(key: String, customer_id: uuid::Uuid, amount_fen: i64) -> CollectRequest {
    CollectRequest {
        idempotency_key: key,
        customer_id,
        plan_ref: format!("INT-{customer_id}"),
        amount_fen,
    }
}

/// What the bank's collections account holds: the sum of its shards (fen).
pub(crate) async fn collections_balance(app: &TestApp) -> i64 {
    ledger_account::Entity::find()
        .filter(ledger_account::Column::Kind.eq(LedgerAccountKind::BankCollections))
        .all(app.db())
        .await
        .expect("collections accounts")
        .iter()
        .map(|a| a.balance_fen)
        .sum()
}

/// Every account's balance is the sum of its postings, every entry's postings sum to
/// zero, and no deposit account is below zero.
pub(crate) async fn assert_balanced(app: &TestApp) {
    let postings = ledger_posting::Entity::find()
        .all(app.db())
        .await
        .expect("postings");
    let accounts = ledger_account::Entity::find()
        .all(app.db())
        .await
        .expect("accounts");
    assert_eq!(postings.iter().map(|p| p.amount_fen).sum::<i64>(), 0);
    for account in &accounts {
        let posted: i64 = postings
            .iter()
            .filter(|p| p.account_id == account.id)
            .map(|p| p.amount_fen)
            .sum();
        assert_eq!(account.balance_fen, posted, "{}", account.code);
        if account.code.starts_with("customer:") {
            assert!(account.balance_fen >= 0, "{}", account.code);
        }
    }
    let mut by_entry = std::collections::HashMap::<uuid::Uuid, i64>::new();
    for p in &postings {
        *by_entry.entry(p.entry_id).or_default() += p.amount_fen;
    }
    assert!(by_entry.values().all(|sum| *sum == 0), "{by_entry:?}");
}

#[tokio::test]
async fn concurrent_collects_never_overdraw_and_the_ledger_balances() {
    let app = TestApp::spawn().await;
    let ledger = platform(&app);
    let customer = uuid::Uuid::now_v7();
    assert_eq!(
        ledger.deposit("dep-0", customer, 1_000).await,
        Ok(LedgerOutcome::Succeeded)
    );

    // 40 collects of 1.00 yuan and 10 deposits of 1.00 yuan, all at once.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let ledger = ledger.clone();
        tasks.spawn(async move {
            let outcome = ledger
                .collect(&collect(format!("col-{i}"), customer, 100))
                .await
                .expect("collect answers");
            matches!(outcome, CollectOutcome::Succeeded { .. })
        });
    }
    for i in 1..=10 {
        let ledger = ledger.clone();
        tasks.spawn(async move {
            ledger
                .deposit(&format!("dep-{i}"), customer, 100)
                .await
                .expect("deposit answers");
            false
        });
    }
    let mut succeeded = 0i64;
    while let Some(done) = tasks.join_next().await {
        if done.expect("task") {
            succeeded += 1;
        }
    }
    // 20.00 yuan came in: at most 20 collects of 1.00, and insufficient funds for the rest.
    assert!(succeeded <= 20, "{succeeded}");
    assert!(succeeded >= 10, "{succeeded}");
    assert_eq!(
        ledger.balance(customer).await.expect("balance"),
        2_000 - succeeded * 100
    );
    assert_eq!(
        ledger_entry::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        51
    );
    assert_balanced(&app).await;
    let codes: Vec<String> = ledger_account::Entity::find()
        .all(app.db())
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| a.code)
        .collect();
    for code in [
        deposit_account_code(customer),
        collections_account_code(customer),
        funding_account_code(customer),
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    // The bank's accounts are shards of their family, one per customer at most.
    assert!(collections_account_code(customer).starts_with(COLLECTIONS));
    assert!(funding_account_code(customer).starts_with(FUNDING));
}

#[tokio::test]
async fn one_key_moves_money_once_however_often_it_is_sent() {
    let app = TestApp::spawn().await;
    let ledger = platform(&app);
    let customer = uuid::Uuid::now_v7();
    ledger.deposit("dep", customer, 500).await.expect("deposit");

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let ledger = ledger.clone();
        tasks.spawn(async move {
            ledger
                .collect(&collect("entry-7:attempt-1".into(), customer, 300))
                .await
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.push(done.expect("task").expect("collect answers"));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "every delivery answers the same: {answers:?}"
    );
    assert!(matches!(answers[0], CollectOutcome::Succeeded { .. }));
    assert_eq!(ledger.balance(customer).await.expect("balance"), 200);

    // Too little money is an outcome, recorded under its key like a success.
    let short = collect("entry-8:attempt-1".into(), customer, 300);
    assert_eq!(
        ledger.collect(&short).await,
        Ok(CollectOutcome::InsufficientFunds)
    );
    ledger
        .deposit("dep-2", customer, 1_000)
        .await
        .expect("deposit");
    assert_eq!(
        ledger.collect(&short).await,
        Ok(CollectOutcome::InsufficientFunds),
        "the same key answers its first outcome; a new attempt takes a new key"
    );
    assert!(matches!(
        ledger
            .collect(&collect("entry-8:attempt-2".into(), customer, 300))
            .await,
        Ok(CollectOutcome::Succeeded { .. })
    ));
    assert_eq!(ledger.balance(customer).await.expect("balance"), 900);
    assert!(
        ledger
            .collect(&collect("bad".into(), customer, 0))
            .await
            .is_err()
    );
    // A key reused for another request is refused, not answered with the first outcome.
    let reused = ledger
        .collect(&collect("entry-8:attempt-2".into(), customer, 299))
        .await;
    assert!(
        matches!(reused, Err(adapters::platforms::PlatformError::Invalid(_))),
        "{reused:?}"
    );
    let other_customer = ledger
        .collect(&collect(
            "entry-8:attempt-2".into(),
            uuid::Uuid::now_v7(),
            300,
        ))
        .await;
    assert!(
        matches!(
            other_customer,
            Err(adapters::platforms::PlatformError::Invalid(_))
        ),
        "{other_customer:?}"
    );
    assert_eq!(ledger.balance(customer).await.expect("balance"), 900);
    assert_balanced(&app).await;
}
