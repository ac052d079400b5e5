//! A year of repayment through the clock, on either backend: the schedule notice,
//! reminders, automatic debits, a month short of money (retries, overdue, late charge,
//! its notices), a catch-up payment, a partial prepayment that recomputes the schedule (a
//! new version, the old one readable), and the payoff that closes the plan. At every step
//! the customer's progress and the ledger agree, and a graphql-ws subscriber hears one
//! `planUpdated` per posting.

// Months are counted by their index, as the schedule numbers them.
#![allow(clippy::needless_range_loop)]

use chrono::Days;
use domain::repayment::DebitOutcome;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::repayment::{ActivePlan, active_plan, at, close_and_debit, day, ledger_agrees, my_plan};
use crate::subscriptions::{Socket, next, subscribe};

const PAY: &str =
    "mutation($i: PayInstallmentInput!) { payInstallment(input: $i) { amount periods } }";
const QUOTE_PREPAY: &str = "query($p: ID!, $a: Decimal!) { quotePrepayment(planId: $p, amount: $a, mode: KEEP_TERM) { principal accruedDays accruedInterest prepaymentFee total outstandingAfter schedule { period payment } } }";
const PREPAY: &str = "mutation($i: PrepayInput!) { prepay(input: $i) { amount replayed plan { versions { version reason prepaid mode rows { period payment } } } } }";
const QUOTE_PAYOFF: &str =
    "query($p: ID!) { quotePayoff(planId: $p) { total principal accruedInterest } }";
const PAY_OFF: &str = "mutation($i: PayOffInput!) { payOff(input: $i) { amount periods replayed plan { status versions { version reason } progress { percentComplete principalRemaining } } } }";
const INBOX: &str = "{ myMessages(first: 100) { messages { kind } } }";

fn fen(v: &Value) -> i64 {
    let yuan: f64 = v.as_str().unwrap_or("0").parse().unwrap_or(0.0);
    (yuan * 100.0).round() as i64
}

async fn ok(app: &TestApp, query: &str, variables: Value) -> Value {
    let token = app.login(crate::customers::MOBILE, "a good password").await;
    let res = app.gql(query, variables, Some(&token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"].clone()
}

/// After a posting: the subscriber hears it, and the plan and the ledger agree.
async fn heard(app: &TestApp, socket: &mut Socket, periods_paid: i64) -> Value {
    let update = next(socket).await;
    assert_eq!(
        update["payload"]["data"]["planUpdated"]["periodsPaid"], periods_paid,
        "{update}"
    );
    let view = my_plan(app).await;
    assert_eq!(view["progress"]["periodsPaid"], periods_paid, "{view}");
    assert_eq!(
        update["payload"]["data"]["planUpdated"]["principalRemaining"],
        view["progress"]["principalRemaining"]
    );
    ledger_agrees(app, &view).await;
    view
}

#[tokio::test]
async fn a_twelve_month_plan_runs_through_the_clock_from_its_schedule_notice_to_its_payoff() {
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
    let plan_id = plan.id.to_string();
    let mut socket = subscribe(&app.base, &token, &plan_id).await;
    let first = next(&mut socket).await;
    assert_eq!(
        first["payload"]["data"]["planUpdated"]["periodsPaid"], 0,
        "{first}"
    );
    let domain = app.platform.domain();
    let due = |m: usize| day(&entries[m].due_date);

    // Months 1 and 2: reminded three days and one day before, debited on the day.
    for m in 0..2 {
        for before in [3, 1] {
            at(&app, due(m) - Days::new(before));
            let cob = domain
                .close_of_business(domain.business_date())
                .await
                .expect("cob");
            assert_eq!(cob.reminded, 1, "month {m}, {before} days before");
        }
        ledger
            .deposit(&format!("salary-{m}"), customer_id, entries[m].payment_fen)
            .await
            .expect("deposit");
        at(&app, due(m));
        assert_eq!(
            close_and_debit(&app).await,
            vec![DebitOutcome::Collected(entries[m].payment_fen)]
        );
        heard(&app, &mut socket, m as i64 + 1).await;
    }

    // Month 3: no money. Tried on the day, D+1 and D+3; overdue after the 3 grace days,
    // the late charge runs, and the customer is told each time.
    for (offset, outcome) in [
        (0, DebitOutcome::Insufficient(Some(due(2) + Days::new(1)))),
        (1, DebitOutcome::Insufficient(Some(due(2) + Days::new(3)))),
        (3, DebitOutcome::Insufficient(None)),
    ] {
        at(&app, due(2) + Days::new(offset));
        assert_eq!(close_and_debit(&app).await, vec![outcome]);
    }
    for offset in [4, 10] {
        at(&app, due(2) + Days::new(offset));
        domain
            .close_of_business(domain.business_date())
            .await
            .expect("cob");
    }
    let view = my_plan(&app).await;
    assert_eq!(view["progress"]["overdueDays"], 10, "{view}");
    assert_eq!(view["bucket"], "M1");
    let owed = fen(&view["schedule"][2]["owed"]["total"]);
    let late = fen(&view["schedule"][2]["owed"]["lateCharge"]);
    assert!(late > 0 && owed == entries[2].payment_fen + late, "{view}");

    // The catch-up: the customer pays what is overdue, late charge first.
    ledger
        .deposit("catch-up", customer_id, owed)
        .await
        .expect("deposit");
    let paid = ok(
        &app,
        PAY,
        json!({ "i": { "planId": plan_id, "idempotencyKey": "catch-up-0003" } }),
    )
    .await;
    assert_eq!(fen(&paid["payInstallment"]["amount"]), owed);
    let view = heard(&app, &mut socket, 3).await;
    assert_eq!(view["bucket"], "CURRENT");
    assert_eq!(
        view["payments"][2]["allocation"]["lateCharge"],
        json!(format!("{:.2}", late as f64 / 100.0))
    );

    // Months 4 to 6 by debit.
    for m in 3..6 {
        ledger
            .deposit(&format!("salary-{m}"), customer_id, entries[m].payment_fen)
            .await
            .expect("deposit");
        at(&app, due(m));
        assert_eq!(
            close_and_debit(&app).await,
            vec![DebitOutcome::Collected(entries[m].payment_fen)]
        );
        heard(&app, &mut socket, m as i64 + 1).await;
    }

    // Ten days after month 6: 2,000 yuan of principal repaid early, keeping the term.
    at(&app, due(5) + Days::new(10));
    let quote = ok(&app, QUOTE_PREPAY, json!({ "p": plan_id, "a": "2000" })).await;
    let q = &quote["quotePrepayment"];
    assert_eq!(q["principal"], "2000.00");
    assert_eq!(q["accruedDays"], 10);
    let total = fen(&q["total"]);
    assert_eq!(
        total,
        200_000 + fen(&q["accruedInterest"]) + fen(&q["prepaymentFee"])
    );
    let rows = q["schedule"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        rows.len(),
        6,
        "keeping the term keeps the 6 installments left"
    );
    let new_payment = fen(&rows[0]["payment"]);
    assert!(new_payment < entries[6].payment_fen, "{quote}");
    ledger
        .deposit("bonus", customer_id, total)
        .await
        .expect("deposit");
    let input = json!({ "i": { "planId": plan_id, "amount": "2000", "mode": "KEEP_TERM", "idempotencyKey": "prepay-0000001" } });
    let prepaid = ok(&app, PREPAY, input.clone()).await;
    assert_eq!(fen(&prepaid["prepay"]["amount"]), total);
    let versions = prepaid["prepay"]["plan"]["versions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(versions.len(), 2, "{prepaid}");
    assert_eq!(versions[0]["reason"], "opening");
    assert_eq!(
        fen(&versions[0]["rows"][6]["payment"]),
        entries[6].payment_fen,
        "the old schedule stays readable"
    );
    assert_eq!(versions[1]["reason"], "prepayment");
    assert_eq!(versions[1]["mode"], "KEEP_TERM");
    assert_eq!(fen(&versions[1]["rows"][6]["payment"]), new_payment);
    heard(&app, &mut socket, 6).await;
    // Retried after a lost answer: the same answer, no money moved.
    let again = ok(&app, PREPAY, input).await;
    assert_eq!(again["prepay"]["replayed"], true);
    assert_eq!(ledger.balance(customer_id).await.expect("balance"), 0);

    // Months 7 and 8 at the new installment.
    for m in 6..8 {
        ledger
            .deposit(&format!("salary-{m}"), customer_id, new_payment)
            .await
            .expect("deposit");
        at(&app, due(m));
        assert_eq!(
            close_and_debit(&app).await,
            vec![DebitOutcome::Collected(new_payment)]
        );
        heard(&app, &mut socket, m as i64 + 1).await;
    }

    // Five days into month 9: paid off by the day's quote; the plan closes.
    at(&app, due(7) + Days::new(5));
    let quote = ok(&app, QUOTE_PAYOFF, json!({ "p": plan_id })).await;
    let total = fen(&quote["quotePayoff"]["total"]);
    ledger
        .deposit("savings", customer_id, total)
        .await
        .expect("deposit");
    let off = ok(
        &app,
        PAY_OFF,
        json!({ "i": { "planId": plan_id, "idempotencyKey": "payoff-0000001" } }),
    )
    .await;
    assert_eq!(fen(&off["payOff"]["amount"]), total);
    assert_eq!(off["payOff"]["periods"], json!([9, 10, 11, 12]));
    assert_eq!(off["payOff"]["plan"]["status"], "closed");
    assert_eq!(off["payOff"]["plan"]["progress"]["percentComplete"], "100");
    assert_eq!(
        off["payOff"]["plan"]["progress"]["principalRemaining"],
        "0.00"
    );
    assert_eq!(off["payOff"]["plan"]["versions"][2]["reason"], "payoff");
    heard(&app, &mut socket, 12).await;
    assert_eq!(ledger.balance(customer_id).await.expect("balance"), 0);

    // Nothing more is collected, and the inbox tells the whole story.
    at(&app, due(8));
    assert!(close_and_debit(&app).await.is_empty());
    let inbox = ok(&app, INBOX, json!({})).await;
    let kinds: Vec<String> = inbox["myMessages"]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m["kind"].as_str().map(str::to_owned))
        .collect();
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("schedule"), 1);
    assert_eq!(
        count("due_soon"),
        4,
        "3 days and 1 day before months 1 and 2: {kinds:?}"
    );
    assert_eq!(count("debit_failed"), 3, "{kinds:?}");
    assert_eq!(
        count("overdue"),
        2,
        "its first overdue day and a week later: {kinds:?}"
    );
    // 2 + catch-up + 3 + prepayment + 2 + payoff
    assert_eq!(count("payment_received"), 10, "{kinds:?}");
}
