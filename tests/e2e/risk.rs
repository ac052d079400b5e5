//! Credit reports through the bureau simulator over real sockets, explainable risk
//! assessments, and maker-checker control of risk policy versions.

use chrono::Duration;
use domain::auth::Role;
use serde_json::{Value, json};

use crate::customers::{ID_NUMBER, MOBILE, UPDATE, onboarded_customer};
use crate::helpers::{Options, TestApp, error_code};

const FETCH: &str = "mutation($id: ID!, $r: Boolean) { fetchCreditReport(customerId: $id, refresh: $r) { id source score delinquencies24m activeDelinquency } }";
const ASSESS: &str = "mutation($id: ID!) { assessRisk(customerId: $id) { id policyVersion score grade decision debtToIncome maxInstallment maxAmount reasons { code effect message } } }";
pub const FINANCE: &str = "mutation($id: ID!, $d: Decimal!) { setFinancialStatus(customerId: $id, input: { assets: \"200000\", liabilities: \"20000\", monthlyExpenses: \"4000\", monthlyDebtPayments: $d }) { monthlyDebtPayments } }";

async fn app_with_bureau() -> TestApp {
    TestApp::spawn_with(Options {
        bureau: true,
        ..Options::default()
    })
    .await
}

/// A customer an assessment can be made for (income, finances, verified identity);
/// (token, customer id).
pub async fn ready_customer(app: &TestApp) -> (String, String) {
    let (token, id) = onboarded_customer(app, MOBILE).await;
    let res = app
        .gql(UPDATE, json!({ "id": id, "i": { "idNumber": ID_NUMBER, "monthlyIncome": "20000", "occupation": "Engineer" } }), Some(&token))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let res = app
        .gql(FINANCE, json!({ "id": id, "d": "1000" }), Some(&token))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let agent = app.staff_token(Role::Agent).await;
    let res = app
        .gql(VERIFY_IDENTITY, json!({ "id": id }), Some(&agent))
        .await;
    assert!(
        res["data"]["verifyCustomerIdentity"]["identityVerifiedAt"].is_string(),
        "{res}"
    );
    (token, id)
}

const VERIFY_IDENTITY: &str = "mutation($id: ID!) { verifyCustomerIdentity(customerId: $id, note: \"ID card seen in branch\") { identityVerifiedAt } }";

#[tokio::test]
async fn credit_reports_are_reused_while_fresh_and_refreshed_after_thirty_days() {
    let app = app_with_bureau().await;
    let (token, id) = ready_customer(&app).await;
    let first = app.gql(FETCH, json!({ "id": id }), Some(&token)).await;
    assert!(
        first["data"]["fetchCreditReport"]["source"]
            .as_str()
            .unwrap()
            .starts_with("external:"),
        "{first}"
    );
    let again = app.gql(FETCH, json!({ "id": id }), Some(&token)).await;
    assert_eq!(
        first["data"]["fetchCreditReport"]["id"],
        again["data"]["fetchCreditReport"]["id"]
    );
    assert_eq!(app.bureau_requests(), 1);

    app.clock.advance(Duration::days(31));
    let token = app.login(MOBILE, "a good password").await;
    let later = app.gql(FETCH, json!({ "id": id }), Some(&token)).await;
    assert!(later["errors"].is_null(), "{later}");
    assert_ne!(
        first["data"]["fetchCreditReport"]["id"],
        later["data"]["fetchCreditReport"]["id"]
    );
    assert_eq!(app.bureau_requests(), 2);

    // A customer cannot force new inquiries on their own record; staff can.
    app.gql(FETCH, json!({ "id": id, "r": true }), Some(&token))
        .await;
    assert_eq!(app.bureau_requests(), 2);
    let agent = app.staff_token(Role::Agent).await;
    let forced = app
        .gql(FETCH, json!({ "id": id, "r": true }), Some(&agent))
        .await;
    assert!(forced["errors"].is_null(), "{forced}");
    assert_eq!(app.bureau_requests(), 3);
}

#[tokio::test]
async fn no_bureau_is_asked_about_an_id_number_staff_have_not_verified() {
    let app = app_with_bureau().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    // Someone types a stranger's ID number into their own profile.
    app.gql(
        UPDATE,
        json!({ "id": id, "i": { "idNumber": "44030619851120456X" } }),
        Some(&token),
    )
    .await;
    let refused = app.gql(FETCH, json!({ "id": id }), Some(&token)).await;
    assert_eq!(error_code(&refused), Some("CONFLICT"), "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("verified"),
        "{refused}"
    );
    assert_eq!(app.bureau_requests(), 0);

    // Verified, then the ID number changes: verification is gone again.
    let agent = app.staff_token(Role::Agent).await;
    let verified = app
        .gql(VERIFY_IDENTITY, json!({ "id": id }), Some(&agent))
        .await;
    assert!(verified["errors"].is_null(), "{verified}");
    let changed = app
        .gql(
            UPDATE,
            json!({ "id": id, "i": { "idNumber": "110105198511204566" } }),
            Some(&token),
        )
        .await;
    let seen = app
        .gql(
            "query($id: ID!) { customer(id: $id) { identityVerifiedAt } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert!(changed["errors"].is_null(), "{changed}");
    assert!(
        seen["data"]["customer"]["identityVerifiedAt"].is_null(),
        "{seen}"
    );
}

#[tokio::test]
async fn concurrent_decisions_leave_exactly_one_policy_in_force() {
    let app = TestApp::spawn().await;
    let makers = [
        app.staff_token(Role::RiskOfficer).await,
        app.staff_token(Role::RiskOfficer).await,
    ];
    let checker = app.staff_token(Role::Admin).await;
    let active = app
        .gql(
            "{ activeRiskPolicy { policy } }",
            json!({}),
            Some(&makers[0]),
        )
        .await;
    let policy = active["data"]["activeRiskPolicy"]["policy"].clone();
    const DRAFT: &str = "mutation($p: JSON!) { draftRiskPolicy(policy: $p) { version } }";
    let drafts = futures::future::join_all((0..4).map(|i| {
        let app = &app;
        let token = &makers[i % 2];
        let policy = policy.clone();
        async move { app.gql(DRAFT, json!({ "p": policy }), Some(token)).await }
    }))
    .await;
    let mut versions = Vec::new();
    for d in &drafts {
        match d["data"]["draftRiskPolicy"]["version"].as_i64() {
            Some(v) => versions.push(v),
            None => assert_eq!(error_code(d), Some("CONFLICT"), "{d}"),
        }
    }
    assert!(!versions.is_empty());
    let approvals = futures::future::join_all(versions.iter().map(|v| {
        let app = &app;
        let checker = &checker;
        async move {
            app.gql(
                "mutation($v: Int!) { approveRiskPolicy(version: $v) { status } }",
                json!({ "v": v }),
                Some(checker),
            )
            .await
        }
    }))
    .await;
    for a in &approvals {
        assert!(
            a["errors"].is_null() || error_code(a) == Some("CONFLICT"),
            "{a}"
        );
    }
    let list = app
        .gql(
            "{ riskPolicies { edges { node { version status } } } }",
            json!({}),
            Some(&checker),
        )
        .await;
    let in_force = list["data"]["riskPolicies"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["status"] == "active")
        .count();
    assert_eq!(in_force, 1, "{list}");
}

#[tokio::test]
async fn a_bureau_outage_is_a_clear_retryable_error() {
    let app = app_with_bureau().await;
    let (token, id) = ready_customer(&app).await;
    app.bureau_outage();
    let res = app.gql(FETCH, json!({ "id": id }), Some(&token)).await;
    assert_eq!(error_code(&res), Some("UNAVAILABLE"), "{res}");
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("try again"),
        "{res}"
    );
}

fn reason_messages(res: &Value) -> Vec<String> {
    res["data"]["assessRisk"]["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("{res}"))
        .iter()
        .map(|r| r["message"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_assessment_explains_itself_and_its_reasons_follow_the_inputs() {
    let app = app_with_bureau().await;
    let (token, id) = ready_customer(&app).await;
    let low_debt = app.gql(ASSESS, json!({ "id": id }), Some(&token)).await;
    let a = &low_debt["data"]["assessRisk"];
    assert_eq!(a["policyVersion"], 1, "{low_debt}");
    assert!(!a["reasons"].as_array().unwrap().is_empty());
    assert_eq!(a["debtToIncome"], "0.0500", "{low_debt}");

    app.gql(FINANCE, json!({ "id": id, "d": "11000" }), Some(&token))
        .await;
    let high_debt = app.gql(ASSESS, json!({ "id": id }), Some(&token)).await;
    let b = &high_debt["data"]["assessRisk"];
    assert_eq!(b["debtToIncome"], "0.5500", "{high_debt}");
    assert_ne!(reason_messages(&low_debt), reason_messages(&high_debt));
    assert_ne!(a["maxInstallment"], b["maxInstallment"]);
    assert!(
        b["score"].as_str().unwrap().parse::<f64>().unwrap()
            < a["score"].as_str().unwrap().parse::<f64>().unwrap()
    );

    // The agent sees the same history.
    let agent = app.staff_token(Role::Agent).await;
    let list = app
        .gql(
            "query($id: ID!) { riskAssessments(customerId: $id) { decision reasons { code } } }",
            json!({ "id": id }),
            Some(&agent),
        )
        .await;
    assert_eq!(
        list["data"]["riskAssessments"].as_array().unwrap().len(),
        2,
        "{list}"
    );
}

#[tokio::test]
async fn a_policy_is_activated_only_by_a_second_officer() {
    let app = TestApp::spawn().await;
    let maker = app.staff_token(Role::RiskOfficer).await;
    let checker = app.staff_token(Role::RiskOfficer).await;
    let active = app
        .gql(
            "{ activeRiskPolicy { version status policy } }",
            json!({}),
            Some(&maker),
        )
        .await;
    assert_eq!(active["data"]["activeRiskPolicy"]["version"], 1, "{active}");
    let policy = active["data"]["activeRiskPolicy"]["policy"].clone();

    let draft = app
        .gql(
            "mutation($p: JSON!) { draftRiskPolicy(policy: $p, note: \"tighter\") { version status } }",
            json!({ "p": policy }),
            Some(&maker),
        )
        .await;
    assert_eq!(draft["data"]["draftRiskPolicy"]["version"], 2, "{draft}");
    assert_eq!(draft["data"]["draftRiskPolicy"]["status"], "draft");

    const APPROVE: &str = "mutation { approveRiskPolicy(version: 2) { version status decidedBy } }";
    let own = app.gql(APPROVE, json!({}), Some(&maker)).await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"), "{own}");
    assert!(
        own["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Maker-checker")
    );

    let approved = app.gql(APPROVE, json!({}), Some(&checker)).await;
    assert_eq!(
        approved["data"]["approveRiskPolicy"]["status"], "active",
        "{approved}"
    );
    let list = app
        .gql(
            "{ riskPolicies { edges { node { version status } } } }",
            json!({}),
            Some(&maker),
        )
        .await;
    let statuses: Vec<(i64, String)> = list["data"]["riskPolicies"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["version"].as_i64().unwrap(),
                e["node"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(statuses, vec![(2, "active".into()), (1, "retired".into())]);

    let again = app.gql(APPROVE, json!({}), Some(&checker)).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");

    let bad = app
        .gql(
            "mutation { draftRiskPolicy(policy: { nonsense: true }) { version } }",
            json!({}),
            Some(&maker),
        )
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"), "{bad}");
}

#[tokio::test]
async fn without_an_external_bureau_the_banks_own_ledger_reports_an_overdue_plan() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let (token, id) = ready_customer(&app).await;
    let clean = app.gql(FETCH, json!({ "id": id }), Some(&token)).await;
    assert_eq!(
        clean["data"]["fetchCreditReport"]["source"], "internal",
        "{clean}"
    );
    assert_eq!(
        clean["data"]["fetchCreditReport"]["activeDelinquency"],
        false
    );

    // The customer is 40 days late on a plan at this bank.
    let backend = app.db().get_database_backend();
    let now_ms = app.clock.now_millis();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO installment_plan (id, customer_id, status, principal_fen, days_past_due, last_delinquent_at, opened_at) VALUES ($1, $2, 'active', 1200000, 40, $3, 0)"
        }
        _ => {
            "INSERT INTO installment_plan (id, customer_id, status, principal_fen, days_past_due, last_delinquent_at, opened_at) VALUES (?, ?, 'active', 1200000, 40, ?, 0)"
        }
    };
    app.db()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                uuid::Uuid::now_v7().into(),
                uuid::Uuid::parse_str(&id).unwrap().into(),
                now_ms.into(),
            ],
        ))
        .await
        .unwrap();
    let agent = app.staff_token(Role::Agent).await;
    let report = app
        .gql(FETCH, json!({ "id": id, "r": true }), Some(&agent))
        .await;
    let r = &report["data"]["fetchCreditReport"];
    assert_eq!(r["activeDelinquency"], true, "{report}");
    assert_eq!(r["delinquencies24m"], 1);
    let assessed = app.gql(ASSESS, json!({ "id": id }), Some(&token)).await;
    assert_eq!(
        assessed["data"]["assessRisk"]["decision"], "DECLINE",
        "{assessed}"
    );
    let codes: Vec<&str> = assessed["data"]["assessRisk"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"ACTIVE_DELINQUENCY"), "{assessed}");
}
