//! Installment applications: opening with the risk assessment linked, the state machine's
//! refusals, the recorded and audited history, isolation between customers, and the cost
//! of a page of applications with their histories.

use chrono::Duration;
use domain::auth::Role;
use serde_json::{Value, json};

use crate::customers::{MOBILE, onboarded_customer};
use crate::helpers::{TestApp, error_code, error_message};
use crate::risk::ready_customer;

const OPEN: &str = "mutation($i: OpenApplicationInput!) { openApplication(input: $i) { id customerId amount purpose periods frequency monthlyBudget paymentDay status assessmentId history { from to actorRole reason } } }";
const CANCEL: &str = "mutation($id: ID!, $r: String!) { cancelApplication(id: $id, reason: $r) { id status history { from to actorRole reason } } }";
const READ: &str = "query($id: ID!) { application(id: $id) { id status history { to } } }";

fn need() -> Value {
    json!({ "amount": "12000", "purpose": "a design course", "periods": 12, "frequency": "MONTHLY", "monthlyBudget": "1000", "paymentDay": 10 })
}

fn field(res: &Value) -> Option<&str> {
    res["errors"][0]["extensions"]["field"].as_str()
}

async fn open(app: &TestApp, input: Value, token: &str) -> Value {
    let res = app.gql(OPEN, json!({ "i": input }), Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"]["openApplication"].clone()
}

#[tokio::test]
async fn a_customer_opens_an_application_on_a_fresh_assessment_and_cancels_it_once() {
    let app = TestApp::spawn().await;
    let (token, customer_id) = ready_customer(&app).await;
    let opened = open(&app, need(), &token).await;
    assert_eq!(opened["customerId"], customer_id.as_str());
    assert_eq!(opened["amount"], "12000.00");
    assert_eq!(opened["monthlyBudget"], "1000.00");
    assert_eq!(opened["frequency"], "MONTHLY");
    // Without an external bureau the default policy refers: assessed, a person decides.
    assert_eq!(opened["status"], "ASSESSED", "{opened}");
    assert!(opened["assessmentId"].is_string(), "{opened}");
    let history = opened["history"].as_array().cloned().unwrap_or_default();
    assert_eq!(history.len(), 2, "{opened}");
    assert_eq!(history[0]["from"], Value::Null);
    assert_eq!(history[0]["to"], "DRAFT");
    assert_eq!(history[0]["actorRole"], "customer");
    assert_eq!(history[1]["from"], "DRAFT");
    assert_eq!(history[1]["to"], "ASSESSED");
    assert!(
        history[1]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("risk assessment of ") && r.ends_with(": REFER")),
        "{opened}"
    );

    let id = opened["id"].as_str().unwrap_or_default().to_owned();
    let res = app
        .gql(
            CANCEL,
            json!({ "id": id, "r": "found a cheaper course" }),
            Some(&token),
        )
        .await;
    assert_eq!(
        res["data"]["cancelApplication"]["status"], "CANCELLED",
        "{res}"
    );
    assert_eq!(
        res["data"]["cancelApplication"]["history"][2]["reason"],
        "found a cheaper course"
    );
    // A second cancel names the state it is in.
    let res = app
        .gql(CANCEL, json!({ "id": id, "r": "again" }), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
    assert!(error_message(&res).contains("CANCELLED"), "{res}");

    // Every step is in the audit trail.
    let admin = app.staff_token(Role::Admin).await;
    let trail = app
        .gql(
            "query($id: String) { auditTrail(first: 10, filter: { targetId: $id }) { edges { node { action actorRole } } } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    let actions: Vec<&str> = trail["data"]["auditTrail"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|n| n["node"]["action"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for action in [
        "application.open",
        "application.assess",
        "application.cancel",
    ] {
        assert!(actions.contains(&action), "{action} missing: {trail}");
    }
}

#[tokio::test]
async fn without_what_an_assessment_needs_it_stays_a_draft_that_says_why() {
    let app = TestApp::spawn().await;
    let (token, _) = onboarded_customer(&app, "13800004001").await;
    let opened = open(&app, need(), &token).await;
    assert_eq!(opened["status"], "DRAFT", "{opened}");
    assert_eq!(opened["assessmentId"], Value::Null);
    let reason = opened["history"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("opened; not assessed yet: Record the customer's"),
        "{reason}"
    );
}

#[tokio::test]
async fn the_latest_assessment_is_reused_while_recent_and_made_anew_after() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let first = open(&app, need(), &token).await;
    let second = open(&app, need(), &token).await;
    assert_eq!(first["assessmentId"], second["assessmentId"]);
    // A need beyond the recent assessment's limits is assessed anew.
    let mut larger = need();
    larger["amount"] = json!("9000000");
    let beyond = open(&app, larger, &token).await;
    assert!(beyond["assessmentId"].is_string(), "{beyond}");
    assert_ne!(beyond["assessmentId"], first["assessmentId"], "{beyond}");
    app.clock.advance(Duration::days(31));
    let token = app.login(MOBILE, "a good password").await;
    let third = open(&app, need(), &token).await;
    assert!(third["assessmentId"].is_string(), "{third}");
    assert_ne!(third["assessmentId"], first["assessmentId"]);
}

#[tokio::test]
async fn an_agent_opens_for_a_customer_and_bad_input_names_the_field() {
    let app = TestApp::spawn().await;
    let (_, customer_id) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;

    let res = app.gql(OPEN, json!({ "i": need() }), Some(&agent)).await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    assert_eq!(field(&res), Some("customerId"), "{res}");

    for (key, value, named) in [
        ("purpose", json!("x"), "purpose"),
        ("amount", json!("0"), "amount"),
        ("amount", json!("12.345"), "amount"),
        ("periods", json!(0), "periods"),
        ("paymentDay", json!(31), "paymentDay"),
        ("monthlyBudget", json!("-5"), "monthlyBudget"),
    ] {
        let mut input = need();
        input["customerId"] = json!(customer_id);
        input[key] = value;
        let res = app.gql(OPEN, json!({ "i": input }), Some(&agent)).await;
        assert_eq!(error_code(&res), Some("VALIDATION"), "{key}: {res}");
        assert_eq!(field(&res), Some(named), "{key}: {res}");
    }

    let mut input = need();
    input["customerId"] = json!(customer_id);
    let opened = open(&app, input, &agent).await;
    assert_eq!(opened["customerId"], customer_id.as_str());
    assert_eq!(opened["history"][0]["actorRole"], "agent");

    let list = app
        .gql(
            "query($c: ID) { applications(filter: { customerId: $c, status: ASSESSED }) { edges { node { id status } } } }",
            json!({ "c": customer_id }),
            Some(&agent),
        )
        .await;
    assert_eq!(
        list["data"]["applications"]["edges"][0]["node"]["id"], opened["id"],
        "{list}"
    );
}

#[tokio::test]
async fn customer_b_can_never_read_or_cancel_customer_a_application() {
    let app = TestApp::spawn().await;
    let (a, _) = ready_customer(&app).await;
    let (b, _) = onboarded_customer(&app, "13800004002").await;
    let opened = open(&app, need(), &a).await;
    let id = opened["id"].as_str().unwrap_or_default().to_owned();

    // Every root field that takes an application id is tried below.
    let schema = app
        .gql("{ __schema { queryType { fields { name args { name } } } mutationType { fields { name args { name } } } } }", json!({}), None)
        .await;
    let mut takes_application_id = Vec::new();
    for key in ["queryType", "mutationType"] {
        for f in schema["data"]["__schema"][key]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let name = f["name"].as_str().unwrap_or_default().to_owned();
            let has = |arg: &str| {
                f["args"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["name"] == arg))
            };
            if has("applicationId") || (name.to_lowercase().contains("application") && has("id")) {
                takes_application_id.push(name);
            }
        }
    }
    takes_application_id.sort();
    assert_eq!(
        takes_application_id,
        [
            "acceptDisclosure",
            "application",
            "applicationOptions",
            "cancelApplication",
            "contacts",
            "issueAgreement",
            "proposals",
            "recommendPlatforms",
            "selectPlatform",
            "whatIf"
        ]
    );

    // Valid inputs everywhere, so that only the access check can refuse.
    let platforms = app
        .gql(
            "{ installmentPlatforms { code disclosure { version sha256 } } }",
            json!({}),
            Some(&b),
        )
        .await;
    let internal = &platforms["data"]["installmentPlatforms"][0];
    assert_eq!(internal["code"], "internal", "{platforms}");
    for (name, doc) in [
        (
            "recommendPlatforms",
            "query($id: ID!) { recommendPlatforms(applicationId: $id) { grade } }",
        ),
        (
            "acceptDisclosure",
            "mutation($id: ID!, $v: Int!, $h: String!) { acceptDisclosure(applicationId: $id, platformCode: \"internal\", version: $v, sha256: $h) { version } }",
        ),
        (
            "applicationOptions",
            "query($id: ID!) { applicationOptions(applicationId: $id) { grade } }",
        ),
        (
            "contacts",
            "query($id: ID!) { contacts(applicationId: $id) { entries { summary } } }",
        ),
        (
            "proposals",
            "query($id: ID!) { proposals(applicationId: $id) { version } }",
        ),
        (
            "issueAgreement",
            "mutation($id: ID!) { issueAgreement(applicationId: $id) { id } }",
        ),
        (
            "whatIf",
            "query($id: ID!) { whatIf(applicationId: $id, periods: 12) { explanation } }",
        ),
        (
            "selectPlatform",
            "mutation($id: ID!) { selectPlatform(applicationId: $id, platformCode: \"internal\", productCode: \"standard\") { status } }",
        ),
    ] {
        let vars = json!({ "id": id, "v": internal["disclosure"]["version"], "h": internal["disclosure"]["sha256"] });
        let res = app.gql(doc, vars, Some(&b)).await;
        // Not found, or (fields only staff use) forbidden: never an answer.
        assert!(
            matches!(error_code(&res), Some("NOT_FOUND") | Some("FORBIDDEN")),
            "{name}: {res}"
        );
        assert!(!res.to_string().contains("design course"), "{name}: {res}");
    }

    let res = app.gql(READ, json!({ "id": id }), Some(&b)).await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
    let res = app
        .gql(CANCEL, json!({ "id": id, "r": "not mine" }), Some(&b))
        .await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
    let mine = app
        .gql(
            "{ myApplications { edges { node { id } } } }",
            json!({}),
            Some(&b),
        )
        .await;
    assert_eq!(mine["data"]["myApplications"]["edges"], json!([]), "{mine}");
    // A's application is untouched.
    let res = app.gql(READ, json!({ "id": id }), Some(&a)).await;
    assert_eq!(res["data"]["application"]["status"], "ASSESSED", "{res}");
}

#[tokio::test]
async fn a_page_of_applications_with_histories_costs_the_same_for_1_or_20() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;
    let query =
        "{ applications(first: 20) { edges { node { id status history { from to reason } } } } }";
    open(&app, need(), &token).await;
    let (one, with_one) = app.gql_counted(query, json!({}), Some(&agent)).await;
    assert_eq!(
        one["data"]["applications"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{one}"
    );
    for _ in 1..20 {
        open(&app, need(), &token).await;
    }
    let (page, with_twenty) = app.gql_counted(query, json!({}), Some(&agent)).await;
    assert_eq!(
        page["data"]["applications"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(20),
        "{page}"
    );
    // The session, the page, the histories of the whole page.
    assert_eq!(with_one, 3, "{one}");
    assert_eq!(with_twenty, 3, "{page}");

    // One application with its history: the session, the application, its history.
    let id = page["data"]["applications"]["edges"][0]["node"]["id"].clone();
    let (res, statements) = app
        .gql_counted(READ, json!({ "id": id }), Some(&agent))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(statements, 3, "{res}");
}

#[tokio::test]
async fn idle_open_applications_expire_once_by_the_scheduled_job() {
    use worker::jobs::expire_applications::{ExpireApplications, KIND};
    use worker::{JobOutcome, jobs::ScheduledJob};

    let app = TestApp::spawn_with_worker().await;
    let mut events = app.platform.job_events();
    let (token, _) = ready_customer(&app).await;
    let assessed = open(&app, need(), &token).await;
    let cancelled = open(&app, need(), &token).await;
    let res = app
        .gql(
            CANCEL,
            json!({ "id": cancelled["id"], "r": "not now" }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");

    app.clock.advance(Duration::days(31));
    let token = app.login(MOBILE, "a good password").await;
    let fresh = open(&app, need(), &token).await;

    for _ in 0..2 {
        app.platform
            .queue()
            .push(KIND, ExpireApplications::for_key("manual-1".into()))
            .await
            .expect("push");
    }
    let first = crate::jobs::wait(&mut events, KIND, Some("manual-1")).await;
    let second = crate::jobs::wait(&mut events, KIND, Some("manual-1")).await;
    let mut outcomes = [first.outcome, second.outcome];
    outcomes.sort_by_key(|o| matches!(o, JobOutcome::AlreadyDone));
    assert_eq!(
        outcomes,
        [
            JobOutcome::Done("expired 1 idle application(s)".into()),
            JobOutcome::AlreadyDone
        ]
    );

    let read =
        "query($id: ID!) { application(id: $id) { status history { from to actorRole reason } } }";
    let res = app
        .gql(read, json!({ "id": assessed["id"] }), Some(&token))
        .await;
    let a = &res["data"]["application"];
    assert_eq!(a["status"], "EXPIRED", "{res}");
    let last = a["history"].as_array().and_then(|h| h.last()).cloned();
    assert_eq!(
        last,
        Some(
            json!({ "from": "ASSESSED", "to": "EXPIRED", "actorRole": "system", "reason": "no change for 30 days" })
        )
    );
    for (which, status) in [(&cancelled, "CANCELLED"), (&fresh, "ASSESSED")] {
        let res = app
            .gql(read, json!({ "id": which["id"] }), Some(&token))
            .await;
        assert_eq!(res["data"]["application"]["status"], status, "{res}");
    }
}

#[tokio::test]
async fn a_data_deletion_cancels_open_applications_and_erases_their_purpose() {
    use sea_orm::{ConnectionTrait, Statement};

    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let opened = open(&app, need(), &token).await;
    let signed = open(&app, need(), &token).await;
    let agent = app.staff_token(Role::Agent).await;
    const DELETE: &str = "mutation { requestDataDeletion }";

    // A signed application keeps the bank's obligations: the deletion is refused. (No
    // stage signs yet, so the row is set as the agreement stage will set it.)
    let backend = app.db().get_database_backend();
    let mark = |status: &str, id: &Value| {
        Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE installment_application SET status = $1 WHERE id = $2"
                }
                _ => "UPDATE installment_application SET status = ? WHERE id = ?",
            },
            [
                status.into(),
                uuid::Uuid::parse_str(id.as_str().unwrap_or_default())
                    .expect("uuid")
                    .into(),
            ],
        )
    };
    app.db()
        .execute_raw(mark("SIGNED", &signed["id"]))
        .await
        .expect("mark signed");
    let res = app.gql(DELETE, json!({}), Some(&token)).await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
    assert!(error_message(&res).contains("signed"), "{res}");

    app.db()
        .execute_raw(mark("CANCELLED", &signed["id"]))
        .await
        .expect("mark cancelled");
    let res = app.gql(DELETE, json!({}), Some(&token)).await;
    assert!(res["errors"].is_null(), "{res}");
    let read = "query($id: ID!) { application(id: $id) { status purpose history { to actorRole reason } } }";
    let res = app
        .gql(read, json!({ "id": opened["id"] }), Some(&agent))
        .await;
    let a = &res["data"]["application"];
    assert_eq!(a["status"], "CANCELLED", "{res}");
    assert_eq!(a["purpose"], "[erased]", "{res}");
    let last = a["history"].as_array().and_then(|h| h.last()).cloned();
    assert_eq!(
        last.map(|l| l["reason"].clone()),
        Some(json!("the customer asked for their data to be deleted"))
    );
}
