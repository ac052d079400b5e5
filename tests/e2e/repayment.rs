//! Repayment on the bank's own ledger, on the business clock: close of business makes one
//! debit attempt per installment due, each posts once whatever is run twice; a month with
//! too little money is retried on D+1 and D+3, then turns overdue with a late charge and a
//! bucket; the customer's progress and the ledger agree at every step; staff filter plans
//! by bucket; no customer reads another's plan.

use std::sync::Arc;

use adapters::platforms::InternalPlatform;
use chrono::{NaiveDate, TimeZone, Utc};
use domain::auth::Role;
use domain::clock::Clock;
use domain::repayment::DebitOutcome;
use entities::plan_entry;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::customers::onboarded_customer;
use crate::helpers::{TestApp, error_code};
use crate::plan_opening::{plans_of, sign, to_agreement};
use crate::risk::ready_customer;

const PLANS: &str = "{ myPlans { id status bucket schedule { period dueDate status owed { total lateCharge } } payments { kind period amount allocation { interest principal lateCharge } } progress { periodsPaid periodsTotal principalPaid principalRemaining percentComplete nextDueDate nextDueAmount overdueAmount overdueDays bucket } } }";

/// Moves the business clock to 09:00 in Shanghai on `day`.
pub(crate) fn at(app: &TestApp, day: NaiveDate) {
    let morning = day.and_hms_opt(1, 0, 0).expect("time");
    app.clock.set(Utc.from_utc_datetime(&morning));
}

pub(crate) fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// Closes the business day and runs each attempt it made (twice: a duplicate delivery).
pub(crate) async fn close_and_debit(app: &TestApp) -> Vec<DebitOutcome> {
    let domain = app.platform.domain();
    let cob = domain
        .close_of_business(domain.business_date())
        .await
        .expect("close of business");
    let again = domain
        .close_of_business(domain.business_date())
        .await
        .expect("close of business again");
    assert!(again.attempts.is_empty(), "a second run makes nothing new");
    let mut outcomes = Vec::new();
    for attempt in &cob.attempts {
        outcomes.push(domain.run_debit(*attempt).await.expect("debit"));
        let twice = domain.run_debit(*attempt).await.expect("debit again");
        assert!(matches!(twice, DebitOutcome::Skipped(_)), "{twice:?}");
    }
    outcomes
}

/// A customer with an active 12-month plan on the bank's own ledger.
pub struct ActivePlan {
    /// The customer's token.
    pub token: String,
    /// An agent's token.
    pub agent: String,
    /// The plan.
    pub plan: entities::installment_plan::Model,
    /// Its installments, in order.
    pub entries: Vec<plan_entry::Model>,
    /// The customer.
    pub customer_id: uuid::Uuid,
    /// The bank's ledger, on the test's clock.
    pub ledger: InternalPlatform,
}

/// Walks a customer to an active plan on the bank's own ledger (application, proposal,
/// agreement, signatures).
pub async fn active_plan(app: &TestApp) -> ActivePlan {
    active_plan_on(app, "internal", "standard").await
}

/// [`active_plan`] on `platform`'s `product`.
pub async fn active_plan_on(app: &TestApp, platform: &str, product: &str) -> ActivePlan {
    let (token, customer) = ready_customer(app).await;
    let agent = app.staff_token(Role::Agent).await;
    let (application, agreement) = to_agreement(app, &token, &agent, platform, product).await;
    sign(app, &agreement, &agent).await;
    let plan = plans_of(app, &application).await.remove(0);
    let entries = plan_entry::Entity::find()
        .filter(plan_entry::Column::PlanId.eq(plan.id))
        .order_by_asc(plan_entry::Column::Period)
        .all(app.db())
        .await
        .expect("entries");
    let clock = app.clock.clone();
    ActivePlan {
        token,
        agent,
        plan,
        entries,
        customer_id: uuid::Uuid::parse_str(&customer).expect("id"),
        ledger: InternalPlatform::new(app.db().clone(), Arc::new(move || clock.now())),
    }
}

/// The customer's plan, read with a fresh login (the clock moves months; sessions end).
pub(crate) async fn my_plan(app: &TestApp) -> Value {
    let token = app.login(crate::customers::MOBILE, "a good password").await;
    let res = app.gql(PLANS, json!({}), Some(&token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"]["myPlans"][0].clone()
}

/// The collections account equals every auto-debit posted (fen).
pub(crate) async fn ledger_agrees(app: &TestApp, plan: &Value) {
    let collected = crate::internal_ledger::collections_balance(app).await;
    let posted: i64 = plan["payments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let yuan: f64 = p["amount"].as_str().unwrap_or("0").parse().unwrap_or(0.0);
            (yuan * 100.0).round() as i64
        })
        .sum();
    assert_eq!(collected, posted, "the ledger and the plan agree");
}

#[tokio::test]
async fn close_of_business_debits_once_retries_a_short_month_and_ages_it_overdue() {
    let app = TestApp::spawn().await;
    let ActivePlan {
        token,
        plan,
        entries,
        customer_id,
        ledger,
        ..
    } = active_plan(&app).await;
    assert_eq!(entries.len(), 12);

    // Month 1: the money is there on the due date.
    ledger
        .deposit("salary-1", customer_id, entries[0].payment_fen)
        .await
        .expect("deposit");
    at(&app, day(&entries[0].due_date));
    let outcomes = close_and_debit(&app).await;
    assert_eq!(
        outcomes,
        vec![DebitOutcome::Collected(entries[0].payment_fen)]
    );
    let view = my_plan(&app).await;
    assert_eq!(view["progress"]["periodsPaid"], 1, "{view}");
    assert_eq!(view["progress"]["periodsTotal"], 12);
    assert_eq!(view["schedule"][0]["status"], "PAID");
    assert_eq!(view["payments"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["payments"][0]["kind"], "AUTO_DEBIT");
    assert_eq!(view["progress"]["bucket"], "CURRENT");
    ledger_agrees(&app, &view).await;

    // Month 2: nothing in the account. Tried on the due date, D+1 and D+3, then no more.
    let due = day(&entries[1].due_date);
    at(&app, due);
    assert_eq!(
        close_and_debit(&app).await,
        vec![DebitOutcome::Insufficient(Some(due + chrono::Days::new(1)))]
    );
    at(&app, due + chrono::Days::new(1));
    assert_eq!(
        close_and_debit(&app).await,
        vec![DebitOutcome::Insufficient(Some(due + chrono::Days::new(3)))]
    );
    at(&app, due + chrono::Days::new(2));
    assert!(close_and_debit(&app).await.is_empty(), "no attempt on D+2");
    at(&app, due + chrono::Days::new(3));
    assert_eq!(
        close_and_debit(&app).await,
        vec![DebitOutcome::Insufficient(None)]
    );

    // D+4: past the three days' grace, overdue, with one day's late charge.
    at(&app, due + chrono::Days::new(4));
    let domain = app.platform.domain();
    let cob = domain
        .close_of_business(domain.business_date())
        .await
        .expect("cob");
    assert_eq!(cob.newly_overdue, 1);
    assert!(cob.attempts.is_empty());
    let view = my_plan(&app).await;
    assert_eq!(view["bucket"], "M1", "{view}");
    assert_eq!(view["schedule"][1]["status"], "OVERDUE");
    assert_eq!(view["progress"]["overdueDays"], 4);
    assert_eq!(view["progress"]["bucket"], "M1");
    let late: f64 = view["schedule"][1]["owed"]["lateCharge"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0.0);
    // 0.05 % a day of the installment, for one day.
    let expected = (entries[1].payment_fen as f64 * 0.0005).round() / 100.0;
    assert!((late - expected).abs() < 0.001, "{late} vs {expected}");
    ledger_agrees(&app, &view).await;

    // Staff find it among M1 plans, not among current ones.
    let agent = app.staff_token(Role::Agent).await;
    let res = app
        .gql(
            "query($b: DelinquencyBucket!) { plans(filter: { bucket: $b }) { edges { node { id } } } }",
            json!({ "b": "M1" }),
            Some(&agent),
        )
        .await;
    assert_eq!(
        res["data"]["plans"]["edges"][0]["node"]["id"],
        plan.id.to_string(),
        "{res}"
    );
    let res = app
        .gql(
            "query($b: DelinquencyBucket!) { plans(filter: { bucket: $b }) { edges { node { id } } } }",
            json!({ "b": "CURRENT" }),
            Some(&agent),
        )
        .await;
    assert_eq!(res["data"]["plans"]["edges"], json!([]), "{res}");

    // Month 3 is collected on its day; month 2 stays overdue (its retries are used up).
    ledger
        .deposit("salary-3", customer_id, entries[2].payment_fen)
        .await
        .expect("deposit");
    at(&app, day(&entries[2].due_date));
    assert_eq!(
        close_and_debit(&app).await,
        vec![DebitOutcome::Collected(entries[2].payment_fen)]
    );
    let view = my_plan(&app).await;
    assert_eq!(view["progress"]["periodsPaid"], 2, "{view}");
    assert_eq!(view["schedule"][1]["status"], "OVERDUE");
    // February to March: 28 days past due, still M1; 25 days of late charge past the grace
    // (1,041.09 × 0.05 % × 25 = 13.01).
    assert_eq!(view["bucket"], "M1", "{view}");
    assert_eq!(view["progress"]["overdueDays"], 28);
    assert_eq!(view["schedule"][1]["owed"]["lateCharge"], "13.01");
    ledger_agrees(&app, &view).await;

    // Nobody else reads it.
    let _ = token;
    let (other, _) = onboarded_customer(&app, "13800004011").await;
    let res = app
        .gql(
            "query($id: ID!) { plan(id: $id) { id } }",
            json!({ "id": plan.id.to_string() }),
            Some(&other),
        )
        .await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
    let res = app.gql(PLANS, json!({}), Some(&other)).await;
    assert_eq!(res["data"]["myPlans"], json!([]), "{res}");
}

/// The installment's next attempt is close of business's mark, so it writes nothing to the
/// installments (an `UPDATE` of rows scattered among the plans held is what made its cost
/// grow with them), and two runs at once make one attempt, not two and not an error.
#[tokio::test]
async fn close_of_business_writes_nothing_to_the_installments_and_two_runs_at_once_make_one_attempt()
 {
    let app = TestApp::spawn().await;
    let ActivePlan { plan, entries, .. } = active_plan(&app).await;
    at(&app, day(&entries[0].due_date));
    let before = plan_entry::Entity::find()
        .filter(plan_entry::Column::PlanId.eq(plan.id))
        .order_by_asc(plan_entry::Column::Period)
        .all(app.db())
        .await
        .expect("entries");
    let domain = app.platform.domain();
    let date = domain.business_date();
    let (one, two) = tokio::join!(
        domain.close_of_business(date),
        domain.close_of_business(date)
    );
    let made = one.expect("one run").attempts.len() + two.expect("the other").attempts.len();
    assert_eq!(made, 1, "two runs at once make one attempt");
    let attempts = entities::debit_attempt::Entity::find()
        .filter(entities::debit_attempt::Column::PlanId.eq(plan.id))
        .all(app.db())
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(
        (attempts[0].entry_id, attempts[0].attempt),
        (entries[0].id, 1)
    );
    let after = plan_entry::Entity::find()
        .filter(plan_entry::Column::PlanId.eq(plan.id))
        .order_by_asc(plan_entry::Column::Period)
        .all(app.db())
        .await
        .expect("entries");
    assert_eq!(after, before, "close of business wrote to the installments");
    assert!(
        domain
            .close_of_business(date)
            .await
            .expect("again")
            .attempts
            .is_empty(),
        "a third run makes nothing"
    );
}

/// A plan that stops being active after close of business made its installment's attempt:
/// the debit skips it and the installment is no longer to be collected, as close of
/// business itself decides for a plan it finds inactive (so it leaves the index of what is
/// to be collected, and no later run looks at it again).
#[tokio::test]
async fn an_installment_of_a_plan_closed_since_its_attempt_is_skipped_and_no_longer_collected() {
    let app = TestApp::spawn().await;
    let ActivePlan { plan, entries, .. } = active_plan(&app).await;
    at(&app, day(&entries[0].due_date));
    let domain = app.platform.domain();
    let cob = domain
        .close_of_business(domain.business_date())
        .await
        .expect("close of business");
    assert_eq!(cob.attempts.len(), 1);
    entities::installment_plan::Entity::update_many()
        .col_expr(
            entities::installment_plan::Column::Status,
            sea_orm::sea_query::Expr::value("cancelled"),
        )
        .filter(entities::installment_plan::Column::Id.eq(plan.id))
        .exec(app.db())
        .await
        .expect("cancel the plan");
    let outcome = domain.run_debit(cob.attempts[0]).await.expect("debit");
    assert!(
        matches!(&outcome, DebitOutcome::Skipped(reason) if reason.contains("cancelled")),
        "{outcome:?}"
    );
    let entry = plan_entry::Entity::find_by_id(entries[0].id)
        .one(app.db())
        .await
        .expect("read")
        .expect("entry");
    assert_eq!(entry.collect_on, None, "no longer to be collected");
    at(&app, day(&entries[0].due_date) + chrono::Days::new(1));
    let next = domain
        .close_of_business(domain.business_date())
        .await
        .expect("the next day");
    assert!(next.attempts.is_empty(), "{:?}", next.attempts);
}

/// A retry that falls after the grace days is made for the installment with its late
/// charge: close of business reads the whole row and the plan's terms for an installment
/// past its grace (within it, the amounts its index carries are all it owes).
#[tokio::test]
async fn a_retry_past_the_grace_days_collects_the_late_charge_too() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        settings: vec![("FENQI_DEBIT_RETRY_DAYS", "5".into())],
        ..Default::default()
    })
    .await;
    let ActivePlan {
        entries,
        customer_id,
        ledger,
        ..
    } = active_plan(&app).await;
    let due = day(&entries[0].due_date);
    at(&app, due);
    assert_eq!(
        close_and_debit(&app).await,
        vec![DebitOutcome::Insufficient(Some(due + chrono::Days::new(5)))]
    );
    // D+5: two days past the three days' grace; enough money for the installment and more.
    ledger
        .deposit("salary-late", customer_id, entries[0].payment_fen * 2)
        .await
        .expect("deposit");
    at(&app, due + chrono::Days::new(5));
    let outcomes = close_and_debit(&app).await;
    let [DebitOutcome::Collected(collected)] = outcomes.as_slice() else {
        panic!("one collection expected: {outcomes:?}");
    };
    // 0.05 % a day of the installment, two days (D+4 and D+5).
    let late = (entries[0].payment_fen as f64 * 0.0005 * 2.0).round() as i64;
    assert!(
        (collected - entries[0].payment_fen - late).abs() <= 1,
        "collected {collected}: the installment {} and about {late} late",
        entries[0].payment_fen
    );
    let view = my_plan(&app).await;
    assert_eq!(view["schedule"][0]["status"], "PAID", "{view}");
    assert_eq!(view["progress"]["bucket"], "CURRENT", "{view}");
    ledger_agrees(&app, &view).await;
}

#[tokio::test]
async fn the_worker_closes_the_day_through_the_queue_and_the_sweep_requeues_a_lost_debit() {
    use worker::jobs::close_of_business::{CloseOfBusinessJob, KIND as COB, sweep};
    use worker::jobs::debit::KIND as DEBIT;

    let app = TestApp::spawn_with_worker().await;
    let mut events = app.platform.job_events();
    let ActivePlan {
        entries,
        customer_id,
        ledger,
        ..
    } = active_plan(&app).await;
    ledger
        .deposit(
            "salary",
            customer_id,
            entries[0].payment_fen + entries[1].payment_fen,
        )
        .await
        .expect("deposit");

    // Month 1 through the worker: the close-of-business job queues the debit job.
    at(&app, day(&entries[0].due_date));
    app.platform
        .queue()
        .push(
            COB,
            CloseOfBusinessJob {
                run_key: "cob-1".into(),
            },
        )
        .await
        .expect("queued");
    let closed = crate::jobs::wait_for(&mut events, COB, "cob-1").await;
    assert!(
        matches!(&closed.outcome, worker::JobOutcome::Done(d) if d.contains("1 debits queued")),
        "{closed:?}"
    );
    let debited = crate::jobs::wait(&mut events, DEBIT, None).await;
    assert!(
        matches!(&debited.outcome, worker::JobOutcome::Done(d) if d.contains("Collected")),
        "{debited:?}"
    );

    // Month 2: the day is closed but its debit job is lost (never queued, as if the queue
    // was flushed). The sweep hands it over again once the requeue time has passed.
    at(&app, day(&entries[1].due_date));
    let domain = app.platform.domain();
    let cob = domain
        .close_of_business(domain.business_date())
        .await
        .expect("cob");
    assert_eq!(cob.attempts.len(), 1);
    app.clock.advance(chrono::Duration::minutes(16));
    app.platform
        .queue()
        .push(
            sweep::KIND,
            sweep::SweepDebits {
                run_key: "sweep-1".into(),
            },
        )
        .await
        .expect("queued");
    let swept = crate::jobs::wait_for(&mut events, sweep::KIND, "sweep-1").await;
    assert!(
        matches!(&swept.outcome, worker::JobOutcome::Done(d) if d.starts_with("1 debits")),
        "{swept:?}"
    );
    let debited = crate::jobs::wait_for(&mut events, DEBIT, &cob.attempts[0].to_string()).await;
    assert!(
        matches!(&debited.outcome, worker::JobOutcome::Done(d) if d.contains("Collected")),
        "{debited:?}"
    );
    let view = my_plan(&app).await;
    assert_eq!(view["progress"]["periodsPaid"], 2, "{view}");
    ledger_agrees(&app, &view).await;
}

const PAY: &str = "mutation($i: PayInstallmentInput!) { payInstallment(input: $i) { amount periods replayed plan { progress { periodsPaid overdueAmount overdueDays bucket } schedule { status } } } }";

#[tokio::test]
async fn a_catch_up_payment_pays_the_overdue_month_once_whatever_the_retries() {
    let app = TestApp::spawn().await;
    let ActivePlan {
        plan,
        entries,
        customer_id,
        ledger,
        ..
    } = active_plan(&app).await;

    // Month 1 is missed: three attempts, then overdue for 10 days.
    let due = day(&entries[0].due_date);
    for offset in [0, 1, 3] {
        at(&app, due + chrono::Days::new(offset));
        close_and_debit(&app).await;
    }
    at(&app, due + chrono::Days::new(13));
    close_and_debit(&app).await;
    let token = app.login(crate::customers::MOBILE, "a good password").await;
    let pay = |key: &str, amount: Option<&str>| {
        let mut input = json!({ "planId": plan.id.to_string(), "idempotencyKey": key });
        if let Some(a) = amount {
            input["amount"] = json!(a);
        }
        json!({ "i": input })
    };

    // Too little money: refused, nothing moved, and the refusal is the key's answer.
    let res = app.gql(PAY, pay("catch-up-0001", None), Some(&token)).await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    assert!(res.to_string().contains("less than"), "{res}");

    // The money arrives; a new key pays the month with 10 days of late charge.
    ledger
        .deposit("salary", customer_id, 200_000)
        .await
        .expect("deposit");
    let res = app.gql(PAY, pay("catch-up-0002", None), Some(&token)).await;
    assert!(res["errors"].is_null(), "{res}");
    let paid = res["data"]["payInstallment"].clone();
    // 10 days past the grace at 0.05 % a day.
    let late = (entries[0].payment_fen as f64 * 0.0005 * 10.0).round() as i64;
    let expected = format!("{:.2}", (entries[0].payment_fen + late) as f64 / 100.0);
    assert_eq!(paid["amount"], json!(expected), "{res}");
    assert_eq!(paid["periods"], json!([1]));
    assert_eq!(paid["replayed"], false);
    assert_eq!(paid["plan"]["schedule"][0]["status"], "PAID");
    assert_eq!(paid["plan"]["progress"]["bucket"], "CURRENT");
    assert_eq!(paid["plan"]["progress"]["overdueAmount"], "0.00");
    let balance = ledger.balance(customer_id).await.expect("balance");

    // The answer was lost: the same key again, here and through a second API process,
    // replays it and moves nothing.
    let second = app.second_api().await;
    for base in [app.base.clone(), second] {
        let (res, _) = app
            .gql_counted_at(&base, PAY, pay("catch-up-0002", None), Some(&token))
            .await;
        assert_eq!(
            res["data"]["payInstallment"]["amount"],
            json!(expected),
            "{res}"
        );
        assert_eq!(res["data"]["payInstallment"]["replayed"], true);
    }
    assert_eq!(ledger.balance(customer_id).await.expect("balance"), balance);
    // The same key for another request is refused with its own code.
    let res = app
        .gql(PAY, pay("catch-up-0002", Some("10.00")), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("IDEMPOTENCY_KEY_REUSED"), "{res}");
    let view = my_plan(&app).await;
    assert_eq!(view["payments"].as_array().map(Vec::len), Some(1), "{view}");
    ledger_agrees(&app, &view).await;

    // A payoff quote: the standard product allows early repayment after 3 paid
    // installments; with 1 paid it says so.
    let quote = "query($id: ID!) { quotePayoff(planId: $id) { validOn principal accruedInterest prepaymentFee total } }";
    let res = app
        .gql(quote, json!({ "id": plan.id.to_string() }), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
    assert!(
        res.to_string().contains("after 3 paid installments"),
        "{res}"
    );

    // A bad key, nothing or less, more than may be paid now, and someone else's plan are
    // refused.
    let res = app.gql(PAY, pay("short", None), Some(&token)).await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    let res = app
        .gql(PAY, pay("negative-0001", Some("-5")), Some(&token))
        .await;
    assert_eq!(res["errors"][0]["extensions"]["field"], "amount", "{res}");
    let res = app
        .gql(PAY, pay("too-much-0001", Some("99999")), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    assert!(res.to_string().contains("prepay"), "{res}");
    let (other, _) = onboarded_customer(&app, "13800004012").await;
    let res = app.gql(PAY, pay("not-mine-0001", None), Some(&other)).await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
}

const ADVANCE: &str = "mutation($to: DateTime!) { advanceClock(to: $to) { daysClosed collected insufficient other } }";

#[tokio::test]
async fn a_year_of_repayments_runs_in_seconds_through_the_demo_clock() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        settings: vec![("FENQI_DEMO_CLOCK", "on".into())],
        ..Default::default()
    })
    .await;
    let ActivePlan {
        agent,
        entries,
        customer_id,
        ledger,
        ..
    } = active_plan(&app).await;
    let total: i64 = entries.iter().map(|e| e.payment_fen).sum();
    ledger
        .deposit("a-year-of-salary", customer_id, total)
        .await
        .expect("deposit");

    // Only an admin moves it, only forward.
    let admin = app.staff_token(Role::Admin).await;
    let res = app
        .gql(
            ADVANCE,
            json!({ "to": "2020-01-01T00:00:00Z" }),
            Some(&admin),
        )
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    let last = day(&entries[11].due_date) + chrono::Days::new(1);
    let to = format!("{last}T02:00:00Z");
    let res = app.gql(ADVANCE, json!({ "to": to }), Some(&agent)).await;
    assert_eq!(error_code(&res), Some("FORBIDDEN"), "{res}");
    let res = app.gql(ADVANCE, json!({ "to": to }), Some(&admin)).await;
    let done = &res["data"]["advanceClock"];
    assert_eq!(done["collected"], 12, "{res}");
    assert_eq!(done["insufficient"], 0, "{res}");
    assert!(done["daysClosed"].as_u64().unwrap_or(0) > 360, "{res}");

    let view = my_plan(&app).await;
    assert_eq!(view["status"], "closed", "{view}");
    assert_eq!(view["progress"]["periodsPaid"], 12);
    assert_eq!(view["progress"]["percentComplete"], "100");
    assert_eq!(view["progress"]["principalRemaining"], "0.00");
    ledger_agrees(&app, &view).await;
    assert_eq!(ledger.balance(customer_id).await.expect("balance"), 0);
}

#[tokio::test]
async fn the_clock_stands_still_outside_demo_mode() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        settings: vec![("FENQI_DEMO_CLOCK", "off".into())],
        ..Default::default()
    })
    .await;
    let admin = app.staff_token(Role::Admin).await;
    let before = app.clock.now();
    let res = app
        .gql(
            ADVANCE,
            json!({ "to": "2030-01-01T00:00:00Z" }),
            Some(&admin),
        )
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
    assert!(res.to_string().contains("demo mode"), "{res}");
    assert_eq!(app.clock.now(), before);
}

#[tokio::test]
async fn plans_are_read_in_the_same_statements_whatever_their_number() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;
    let mut counts = Vec::new();
    for _ in 0..2 {
        let (_, agreement) = to_agreement(&app, &token, &agent, "internal", "standard").await;
        sign(&app, &agreement, &agent).await;
        let (res, mine) = app.gql_counted(PLANS, json!({}), Some(&token)).await;
        assert!(res["errors"].is_null(), "{res}");
        let (res, all) = app
            .gql_counted(
                "{ plans { edges { node { id schedule { period } payments { amount } progress { percentComplete } } } } }",
                json!({}),
                Some(&agent),
            )
            .await;
        assert!(res["errors"].is_null(), "{res}");
        counts.push((
            res["data"]["plans"]["edges"].as_array().map_or(0, Vec::len),
            mine,
            all,
        ));
    }
    assert_eq!(counts[0].0, 1);
    assert_eq!(counts[1].0, 2);
    assert_eq!(counts[0].1, counts[1].1, "myPlans: {counts:?}");
    assert_eq!(counts[0].2, counts[1].2, "plans: {counts:?}");
}

#[tokio::test]
async fn a_partner_plan_is_debited_through_the_partner_once() {
    let app = TestApp::spawn().await;
    let sim = crate::platforms::partner(
        &app,
        "partner-x",
        crate::platforms::dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    let ActivePlan { plan, entries, .. } = active_plan_on(&app, "partner-x", "x-standard").await;
    let plan_ref = plan.external_ref.clone().expect("the partner's reference");
    assert!(sim.set_balance(&plan_ref, entries[0].payment_fen));

    // Month 1: collected by the partner once, whatever is run twice.
    at(&app, day(&entries[0].due_date));
    assert_eq!(
        close_and_debit(&app).await,
        vec![DebitOutcome::Collected(entries[0].payment_fen)]
    );
    assert_eq!(sim.moved_fen(&plan_ref), entries[0].payment_fen);
    // The partner's own callbacks about the same collect post nothing more.
    let _ = sim.flush_callbacks().await;
    let view = my_plan(&app).await;
    assert_eq!(view["progress"]["periodsPaid"], 1, "{view}");
    assert_eq!(view["payments"].as_array().map(Vec::len), Some(1), "{view}");

    // Month 2: the account is empty; the partner says so and nothing moves.
    at(&app, day(&entries[1].due_date));
    let due = day(&entries[1].due_date);
    assert_eq!(
        close_and_debit(&app).await,
        vec![DebitOutcome::Insufficient(Some(due + chrono::Days::new(1)))]
    );
    assert_eq!(sim.moved_fen(&plan_ref), entries[0].payment_fen);
}

#[tokio::test]
async fn a_partner_that_settles_later_is_posted_from_its_callback_once() {
    let app = TestApp::spawn().await;
    let sim = crate::platforms::partner(
        &app,
        "partner-x",
        crate::platforms::dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    sim.set_auto_callbacks(false);
    sim.set_deferred_collects(true);
    let ActivePlan { plan, entries, .. } = active_plan_on(&app, "partner-x", "x-standard").await;
    let plan_ref = plan.external_ref.clone().expect("the partner's reference");
    assert!(sim.set_balance(&plan_ref, entries[0].payment_fen));

    at(&app, day(&entries[0].due_date));
    assert_eq!(close_and_debit(&app).await, vec![DebitOutcome::Pending]);
    let view = my_plan(&app).await;
    assert_eq!(
        view["progress"]["periodsPaid"], 0,
        "not posted before the callback"
    );

    // The partner's callback reports the result: posted once, however often it comes.
    let movement = sim
        .movements()
        .into_iter()
        .find(|m| m.plan_ref == plan_ref)
        .expect("the collect");
    let event = sim.payment_event(&movement.reference).expect("event");
    for _ in 0..2 {
        let statuses = sim.send_event(&event).await.expect("sent");
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    }
    let view = my_plan(&app).await;
    assert_eq!(view["progress"]["periodsPaid"], 1, "{view}");
    assert_eq!(view["payments"].as_array().map(Vec::len), Some(1), "{view}");
    assert_eq!(view["payments"][0]["kind"], "AUTO_DEBIT");
    assert_eq!(sim.moved_fen(&plan_ref), entries[0].payment_fen);
}
