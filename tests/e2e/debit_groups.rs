//! Debits posted in groups (group commit, `domain/src/repayment/debit_group.rs`): each
//! installment gets the outcome, payment, ledger movement and receipt it would get one
//! by one, exactly once, and a group costs the same statements whatever its size.

use std::sync::Arc;

use adapters::platforms::InternalPlatform;
use domain::clock::Clock;
use domain::db::statements::counted;
use domain::repayment::DebitOutcome;
use entities::debit_attempt::{self, DebitStatus};
use entities::{outbox_message, plan_entry, plan_payment};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::debit_faults::{INSTALLMENT, plans_due_on};
use crate::helpers::TestApp;
use crate::internal_ledger::{assert_balanced, collections_balance};

/// Closes the business day on the test's clock: the attempts it made.
async fn close_the_day(app: &TestApp) -> Vec<Uuid> {
    let domain = app.platform.domain();
    domain
        .close_of_business(domain.business_date())
        .await
        .expect("close of business")
        .attempts
}

fn ledger(app: &TestApp) -> InternalPlatform {
    let clock = app.clock.clone();
    InternalPlatform::new(app.db().clone(), Arc::new(move || clock.now()))
}

async fn messages(app: &TestApp, kind: &str, channel: &str) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq(kind))
        .filter(outbox_message::Column::Channel.eq(channel))
        .count(app.db())
        .await
        .expect("count")
}

#[tokio::test]
async fn a_group_collects_what_each_account_covers_once_and_balances_the_ledger() {
    let app = TestApp::spawn().await;
    let today = app.platform.domain().business_date();
    let paid_up = plans_due_on(&app, "13800004101", 6, 6 * INSTALLMENT, today).await;
    // Two and a half installments for four: two collected, in the group's order, two short.
    let short = plans_due_on(&app, "13800004102", 4, 5 * INSTALLMENT / 2, today).await;
    let attempts = close_the_day(&app).await;
    assert_eq!(attempts.len(), 10);
    let mut delivered = attempts.clone();
    delivered.push(attempts[3]);
    delivered.push(Uuid::now_v7());

    let outcomes = app.platform.domain().run_debits(&delivered).await;
    let outcomes: Vec<DebitOutcome> = outcomes
        .into_iter()
        .map(|o| o.expect("an outcome"))
        .collect();
    let collected = outcomes[..10]
        .iter()
        .filter(|o| **o == DebitOutcome::Collected(INSTALLMENT))
        .count();
    let insufficient = outcomes[..10]
        .iter()
        .filter(|o| matches!(o, DebitOutcome::Insufficient(Some(_))))
        .count();
    assert_eq!((collected, insufficient), (8, 2), "{outcomes:?}");
    assert!(
        matches!(&outcomes[10], DebitOutcome::Skipped(_)),
        "delivered twice in one group: {outcomes:?}"
    );
    assert!(
        matches!(&outcomes[11], DebitOutcome::Skipped(_)),
        "no such attempt: {outcomes:?}"
    );

    // Delivered again: nothing moves.
    let again = app.platform.domain().run_debits(&attempts).await;
    assert!(
        again
            .iter()
            .all(|o| matches!(o, Ok(DebitOutcome::Skipped(_)))),
        "{again:?}"
    );

    let ledger = ledger(&app);
    assert_eq!(ledger.balance(paid_up).await.expect("balance"), 0);
    assert_eq!(
        ledger.balance(short).await.expect("balance"),
        INSTALLMENT / 2
    );
    assert_eq!(collections_balance(&app).await, 8 * INSTALLMENT);
    assert_balanced(&app).await;
    let payments = plan_payment::Entity::find()
        .all(app.db())
        .await
        .expect("payments");
    assert_eq!(payments.len(), 8, "one payment per collected installment");
    let mut keys: Vec<&str> = payments.iter().map(|p| p.source_key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 8, "each under its own key");
    let paid = plan_entry::Entity::find()
        .filter(plan_entry::Column::Status.eq("PAID"))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(paid, 8);
    let retried = plan_entry::Entity::find()
        .filter(plan_entry::Column::Status.ne("PAID"))
        .all(app.db())
        .await
        .expect("entries");
    assert!(
        retried
            .iter()
            .all(|e| e.collect_on.as_deref() > Some(today.to_string().as_str())),
        "the short ones are collected again on a retry day: {retried:?}"
    );
    let by_status = |status: DebitStatus| {
        debit_attempt::Entity::find()
            .filter(debit_attempt::Column::Status.eq(status))
            .count(app.db())
    };
    assert_eq!(by_status(DebitStatus::Succeeded).await.expect("count"), 8);
    assert_eq!(
        by_status(DebitStatus::Insufficient).await.expect("count"),
        2
    );
    // Each told once: a receipt per payment, a notice per short debit (in-app and SMS).
    for channel in ["app", "sms"] {
        assert_eq!(messages(&app, "payment_received", channel).await, 8);
        assert_eq!(messages(&app, "debit_failed", channel).await, 2);
    }
}

#[tokio::test]
async fn two_deliveries_of_the_same_group_at_once_collect_each_installment_once() {
    let app = TestApp::spawn().await;
    let today = app.platform.domain().business_date();
    let customer = plans_due_on(&app, "13800004103", 12, 12 * INSTALLMENT, today).await;
    let attempts = close_the_day(&app).await;
    let mut reversed = attempts.clone();
    reversed.reverse();
    let domain = app.platform.domain();
    let (first, second) = tokio::join!(domain.run_debits(&attempts), domain.run_debits(&reversed));
    let collected = first
        .iter()
        .chain(second.iter())
        .filter(|o| matches!(o, Ok(DebitOutcome::Collected(_))))
        .count();
    assert_eq!(collected, 12, "{first:?} {second:?}");
    assert_eq!(ledger(&app).balance(customer).await.expect("balance"), 0);
    assert_eq!(collections_balance(&app).await, 12 * INSTALLMENT);
    assert_balanced(&app).await;
    let payments = plan_payment::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(payments, 12);
}

#[tokio::test]
async fn a_group_costs_about_the_same_statements_for_3_debits_or_30() {
    let app = TestApp::spawn().await;
    let today = app.platform.domain().business_date();
    let domain = app.platform.domain();
    plans_due_on(&app, "13800004104", 3, 3 * INSTALLMENT, today).await;
    let few = close_the_day(&app).await;
    let (outcomes, for_few) = counted(domain.run_debits(&few)).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(DebitOutcome::Collected(_))))
    );

    plans_due_on(&app, "13800004105", 30, 30 * INSTALLMENT, today).await;
    let many = close_the_day(&app).await;
    assert_eq!(many.len(), 30);
    let (outcomes, for_many) = counted(domain.run_debits(&many)).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(DebitOutcome::Collected(_))))
    );
    // The same statements, but for the receipts' inserts, kept under 12 KiB each (about
    // 18 messages: `notices/outbox.rs`): 60 messages take a few more. (And a bank shard
    // is made, three statements, the first time a customer of its slice pays: the second
    // customer's may exist already, one time in 64.)
    assert!(
        for_many <= for_few + 3,
        "no statement per debit: {for_few} for 3, {for_many} for 30"
    );
    eprintln!("a group of 3 debits: {for_few} statements; of 30: {for_many}");
    // One by one, a debit on the bank's own ledger took some twenty.
    assert!(for_many < 30, "{for_many} statements for a group");
}
