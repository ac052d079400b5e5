//! The staff dashboard over GraphQL: the book and after-care over a date range, every
//! figure an aggregate of the database, in the same statements whatever the book holds.

use domain::auth::Role;
use serde_json::{Value, json};

use crate::customers::MOBILE;
use crate::helpers::TestApp;
use crate::repayment::{ActivePlan, active_plan, at, close_and_debit, day};

const DASHBOARD: &str = "query($f: Date, $t: Date) { dashboard(from: $f, to: $t) { from to activePlans outstandingPrincipal buckets { bucket plans share } overdueRate due collected collectionRate followUpsDue followUpsDone satisfactionAnswers averageSatisfaction ticketsOpened ticketsWithinServiceLevel serviceLevelCompliance } }";
const OPEN_TICKET: &str = "mutation { openTicket(input: { category: PLAN, subject: \"Change my payment day\", body: \"Can I pay on the 20th instead?\" }) { id } }";
const SURVEY: &str = "mutation { submitSurvey(input: { score: 4 }) }";

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

async fn ok(app: &TestApp, query: &str, variables: Value, token: &str) -> Value {
    let res = app.gql(query, variables, Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"].clone()
}

#[tokio::test]
async fn the_dashboard_adds_up_the_book_and_after_care_in_the_database() {
    let app = TestApp::spawn().await;
    let ActivePlan {
        entries,
        customer_id,
        ledger,
        ..
    } = active_plan(&app).await;
    // A week after opening, the activation follow-up is made.
    let opened = app.platform.domain().business_date();
    at(&app, opened + chrono::Days::new(8));
    let domain = app.platform.domain();
    domain
        .schedule_follow_ups(domain.business_date())
        .await
        .expect("follow-ups");
    let due = day(&entries[0].due_date);
    ledger
        .deposit("salary-1", customer_id, entries[0].payment_fen)
        .await
        .expect("deposit");
    at(&app, due);
    close_and_debit(&app).await;
    let customer = app.login(MOBILE, "a good password").await;
    ok(&app, OPEN_TICKET, json!({}), &customer).await;
    ok(&app, SURVEY, json!({}), &customer).await;

    let admin = app.staff_token(Role::Admin).await;
    let from = (due - chrono::Days::new(40)).to_string();
    let range = json!({ "f": from, "t": due.to_string() });
    let (res, statements) = app
        .gql_counted(DASHBOARD, range.clone(), Some(&admin))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let d = &res["data"]["dashboard"];
    assert_eq!(d["activePlans"], 1);
    let principal: i64 = entries.iter().map(|e| e.principal_fen).sum();
    assert_eq!(
        d["outstandingPrincipal"],
        yuan(principal - entries[0].principal_fen)
    );
    assert_eq!(
        d["buckets"],
        json!([{ "bucket": "CURRENT", "plans": 1, "share": "1" }])
    );
    assert_eq!(d["overdueRate"], "0");
    assert_eq!(d["due"], yuan(entries[0].payment_fen));
    assert_eq!(d["collected"], yuan(entries[0].payment_fen));
    assert_eq!(d["collectionRate"], "1");
    assert_eq!(d["followUpsDue"], 1, "the activation call: {d}");
    assert_eq!(d["followUpsDone"], 0);
    assert_eq!(d["satisfactionAnswers"], 1);
    assert_eq!(d["averageSatisfaction"], "4");
    assert_eq!(d["ticketsOpened"], 1);
    assert_eq!(d["ticketsWithinServiceLevel"], 1);
    assert_eq!(d["serviceLevelCompliance"], "1");

    // More in the book, the same statements.
    ok(&app, OPEN_TICKET, json!({}), &customer).await;
    ok(&app, SURVEY, json!({}), &customer).await;
    let (res, again) = app.gql_counted(DASHBOARD, range, Some(&admin)).await;
    assert_eq!(res["data"]["dashboard"]["ticketsOpened"], 2);
    assert_eq!(statements, again, "statements do not grow with the book");
    assert!(statements <= 10, "{statements}");

    // A range that ends before it starts is refused; customers see no dashboard.
    let bad = app
        .gql(
            DASHBOARD,
            json!({ "f": due.to_string(), "t": from }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        crate::helpers::error_code(&bad),
        Some("VALIDATION"),
        "{bad}"
    );
    let theirs = app.gql(DASHBOARD, json!({}), Some(&customer)).await;
    assert_eq!(
        crate::helpers::error_code(&theirs),
        Some("FORBIDDEN"),
        "{theirs}"
    );
}
