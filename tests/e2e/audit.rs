//! The audit trail: staff actions are recorded with who, what, when and where; the chain
//! reveals an entry edited or removed behind the application's back.

use domain::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::{TestApp, error_code};

const CREATE_STAFF: &str = "mutation($i: CreateStaffInput!) { createStaff(input: $i) { account { id email role } initialPassword } }";
const TRAIL: &str = "query($first: Int, $after: String, $f: AuditFilterInput) { auditTrail(first: $first, after: $after, filter: $f) { pageInfo { hasNextPage endCursor } edges { cursor node { seq action actorId actorRole targetType targetId before after requestId clientAddr hash prevHash } } } }";
const VERIFY: &str = "{ verifyAuditChain { intact checkedEntries firstBrokenSeq problem } }";

async fn create_staff(app: &TestApp, admin: &str, email: &str) -> serde_json::Value {
    app.gql(
        CREATE_STAFF,
        json!({ "i": { "displayName": "New Agent", "email": email, "role": "AGENT" } }),
        Some(admin),
    )
    .await
}

#[tokio::test]
async fn creating_staff_is_audited_with_actor_request_and_masked_data() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(Role::Admin).await;
    let me = app.gql("{ me { id } }", json!({}), Some(&admin)).await;
    let admin_id = me["data"]["me"]["id"].as_str().unwrap().to_owned();

    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&admin)
        .header("X-Request-Id", "req-audit-1")
        .json(&json!({ "query": CREATE_STAFF, "variables": { "i": { "displayName": "New Agent", "email": "new.agent@bank.test", "role": "AGENT" } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "req-audit-1");
    let body: serde_json::Value = res.json().await.unwrap();
    let new_id = body["data"]["createStaff"]["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        body["data"]["createStaff"]["initialPassword"]
            .as_str()
            .unwrap()
            .len()
            >= 16
    );

    let auditor = app.staff_token(Role::Auditor).await;
    let trail = app
        .gql(
            TRAIL,
            json!({ "f": { "action": "staff.create", "actorId": admin_id } }),
            Some(&auditor),
        )
        .await;
    let edges = trail["data"]["auditTrail"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{trail}");
    let entry = &edges[0]["node"];
    assert_eq!(entry["actorRole"], "admin");
    assert_eq!(entry["targetType"], "account");
    assert_eq!(entry["targetId"], new_id.as_str());
    assert_eq!(entry["requestId"], "req-audit-1");
    assert_eq!(entry["clientAddr"], "127.0.0.1");
    assert_eq!(entry["after"]["role"], "agent");
    assert_eq!(entry["after"]["email"], "n********@bank.test");
    assert_eq!(entry["hash"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn the_trail_pages_newest_first_and_filters() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(Role::Admin).await;
    for i in 0..3 {
        create_staff(&app, &admin, &format!("agent{i}@bank.test")).await;
    }
    let page1 = app.gql(TRAIL, json!({ "first": 2 }), Some(&admin)).await;
    let conn = &page1["data"]["auditTrail"];
    let seqs: Vec<i64> = conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(conn["pageInfo"]["hasNextPage"], true, "{page1}");
    assert!(seqs[0] > seqs[1]);
    let page2 = app
        .gql(
            TRAIL,
            json!({ "first": 2, "after": conn["pageInfo"]["endCursor"] }),
            Some(&admin),
        )
        .await;
    let next: Vec<i64> = page2["data"]["auditTrail"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["seq"].as_i64().unwrap())
        .collect();
    assert!(next.iter().all(|s| *s < seqs[1]), "{page2}");

    let none = app
        .gql(TRAIL, json!({ "f": { "action": "no.such" } }), Some(&admin))
        .await;
    assert_eq!(
        none["data"]["auditTrail"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let bad = app
        .gql(TRAIL, json!({ "after": "forged" }), Some(&admin))
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"));
    let big = app.gql(TRAIL, json!({ "first": 1000 }), Some(&admin)).await;
    assert_eq!(error_code(&big), Some("VALIDATION"));
    assert_eq!(big["errors"][0]["extensions"]["field"], "first");
}

#[tokio::test]
async fn an_entry_edited_in_the_database_is_reported_by_verify_audit_chain() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(Role::Admin).await;
    for i in 0..3 {
        create_staff(&app, &admin, &format!("agent{i}@bank.test")).await;
    }
    let intact = app.gql(VERIFY, json!({}), Some(&admin)).await;
    assert_eq!(
        intact["data"]["verifyAuditChain"]["intact"], true,
        "{intact}"
    );
    let total = intact["data"]["verifyAuditChain"]["checkedEntries"]
        .as_i64()
        .unwrap();
    // The last three entries record the three agents; tamper with the first of them.
    let tampered = total - 2;

    // Someone with database access promotes an agent in the record of its creation.
    app.db()
        .execute_unprepared(&format!(
            r#"UPDATE audit_entry SET "after" = '{{"role":"admin"}}' WHERE seq = {tampered}"#
        ))
        .await
        .unwrap();
    let broken = app.gql(VERIFY, json!({}), Some(&admin)).await;
    let report = &broken["data"]["verifyAuditChain"];
    assert_eq!(report["intact"], false, "{broken}");
    assert_eq!(report["firstBrokenSeq"], tampered);
    assert_eq!(report["checkedEntries"], tampered - 1);
    let problem = report["problem"].as_str().unwrap();
    assert!(problem.contains(&format!("entry {tampered}")), "{broken}");
}

#[tokio::test]
async fn entries_removed_from_the_end_are_reported() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(Role::Admin).await;
    for i in 0..3 {
        create_staff(&app, &admin, &format!("agent{i}@bank.test")).await;
    }
    let intact = app.gql(VERIFY, json!({}), Some(&admin)).await;
    let total = intact["data"]["verifyAuditChain"]["checkedEntries"]
        .as_i64()
        .unwrap();
    app.db()
        .execute_unprepared(&format!("DELETE FROM audit_entry WHERE seq = {total}"))
        .await
        .unwrap();
    let res = app.gql(VERIFY, json!({}), Some(&admin)).await;
    let report = &res["data"]["verifyAuditChain"];
    assert_eq!(report["intact"], false, "{res}");
    assert_eq!(report["firstBrokenSeq"], total);
    assert_eq!(report["checkedEntries"], total - 1);
    assert!(
        report["problem"].as_str().unwrap().contains("removed"),
        "{res}"
    );
}

#[tokio::test]
async fn status_changes_record_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(Role::Admin).await;
    let (_, customer_id) = app
        .register_customer("13812345678", "a good password")
        .await;
    app.gql(
        "mutation($id: ID!) { setAccountStatus(accountId: $id, status: DISABLED) { status } }",
        json!({ "id": customer_id }),
        Some(&admin),
    )
    .await;
    let trail = app
        .gql(
            TRAIL,
            json!({ "f": { "targetId": customer_id } }),
            Some(&admin),
        )
        .await;
    let node = &trail["data"]["auditTrail"]["edges"][0]["node"];
    assert_eq!(node["action"], "account.set_status", "{trail}");
    assert_eq!(node["before"]["status"], "active");
    assert_eq!(node["after"]["status"], "disabled");
}
