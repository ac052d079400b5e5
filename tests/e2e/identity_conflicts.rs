//! A customer cannot learn whether a stranger's ID or mobile number is registered: a taken
//! number answers exactly like a free one, the conflict goes to a staff review queue
//! (audited), and such changes are limited per account and day.

use domain::auth::Role;
use serde_json::{Value, json};

use crate::customers::{ID_NUMBER, UPDATE, onboarded_customer};
use crate::helpers::{TestApp, error_code};

const MINE: &str = "{ myCustomerProfile { id mobile idNumber birthDate } }";
const QUEUE: &str = "{ identityConflicts(status: OPEN) { edges { node { id customerId holderCustomerId field attempted status } } } }";

fn without(mut answer: Value, keys: &[&str]) -> Value {
    for key in keys {
        if let Some(map) = answer.as_object_mut() {
            map.remove(*key);
        }
    }
    answer
}

#[tokio::test]
async fn a_taken_id_number_answers_like_a_free_one_and_is_queued_for_staff() {
    let app = TestApp::spawn().await;
    let (token_a, id_a) = onboarded_customer(&app, "13800000001").await;
    let free = app
        .gql(
            UPDATE,
            json!({ "id": id_a, "i": { "idNumber": ID_NUMBER } }),
            Some(&token_a),
        )
        .await;
    assert!(free["errors"].is_null(), "{free}");

    let (token_b, id_b) = onboarded_customer(&app, "13800000002").await;
    let taken = app
        .gql(
            UPDATE,
            json!({ "id": id_b, "i": { "idNumber": ID_NUMBER } }),
            Some(&token_b),
        )
        .await;
    assert!(
        taken["errors"].is_null(),
        "a taken number must not answer differently: {taken}"
    );
    assert_eq!(
        without(taken["data"]["updateCustomer"].clone(), &["id", "mobile"]),
        without(free["data"]["updateCustomer"].clone(), &["id", "mobile"]),
        "the answer for a taken number is the answer for a free one"
    );

    // Nothing was taken from the holder: B's record keeps no ID number.
    let mine = app.gql(MINE, json!({}), Some(&token_b)).await;
    assert!(
        mine["data"]["myCustomerProfile"]["idNumber"].is_null(),
        "{mine}"
    );

    // Staff see the conflict, masked, and close it; both acts are in the audit trail.
    let agent = app.staff_token(Role::Agent).await;
    let queue = app.gql(QUEUE, json!({}), Some(&agent)).await;
    let edges = queue["data"]["identityConflicts"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 1, "{queue}");
    let node = &edges[0]["node"];
    assert_eq!(node["customerId"], id_b.as_str());
    assert_eq!(node["holderCustomerId"], id_a.as_str());
    assert_eq!(node["field"], "idNumber");
    assert!(
        !node["attempted"]
            .as_str()
            .unwrap_or("")
            .contains(&ID_NUMBER[3..14]),
        "{node}"
    );
    let resolved = app
        .gql(
            "mutation($id: ID!) { resolveIdentityConflict(id: $id, resolution: \"Called the customer: a typo.\") { status resolution } }",
            json!({ "id": node["id"] }),
            Some(&agent),
        )
        .await;
    assert_eq!(
        resolved["data"]["resolveIdentityConflict"]["status"], "RESOLVED",
        "{resolved}"
    );
    let auditor = app.staff_token(Role::Auditor).await;
    let trail = app
        .gql(
            "{ auditTrail(first: 50) { edges { node { action } } } }",
            json!({}),
            Some(&auditor),
        )
        .await;
    let actions: Vec<String> = trail["data"]["auditTrail"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["action"].as_str().map(str::to_owned))
        .collect();
    assert!(
        actions.iter().any(|a| a == "customer.identity_conflict"),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|a| a == "customer.identity_conflict.resolve"),
        "{actions:?}"
    );

    // A customer cannot read the queue.
    let refused = app.gql(QUEUE, json!({}), Some(&token_b)).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
}

#[tokio::test]
async fn a_taken_mobile_answers_like_a_free_one_and_changes_are_limited_per_day() {
    let app = TestApp::spawn().await;
    let (_token_a, _) = onboarded_customer(&app, "13800000011").await;
    let (token_b, id_b) = onboarded_customer(&app, "13800000012").await;
    // A's mobile (taken) and a free one: the same shape of answer, no error either way.
    let taken = app
        .gql(
            UPDATE,
            json!({ "id": id_b, "i": { "mobile": "13800000011" } }),
            Some(&token_b),
        )
        .await;
    assert!(taken["errors"].is_null(), "{taken}");
    assert_eq!(
        taken["data"]["updateCustomer"]["mobile"], "138****0011",
        "{taken}"
    );
    let mine = app.gql(MINE, json!({}), Some(&token_b)).await;
    assert_eq!(
        mine["data"]["myCustomerProfile"]["mobile"], "138****0012",
        "{mine}"
    );
    // Five changes a day (this was the first); the sixth is refused.
    for i in 0..4 {
        let free = app
            .gql(
                UPDATE,
                json!({ "id": id_b, "i": { "mobile": format!("1390000000{i}") } }),
                Some(&token_b),
            )
            .await;
        assert!(free["errors"].is_null(), "{free}");
    }
    let limited = app
        .gql(
            UPDATE,
            json!({ "id": id_b, "i": { "mobile": "13900000009" } }),
            Some(&token_b),
        )
        .await;
    assert_eq!(error_code(&limited), Some("RATE_LIMITED"), "{limited}");
    // Other changes are not limited.
    let other = app
        .gql(
            UPDATE,
            json!({ "id": id_b, "i": { "occupation": "teacher" } }),
            Some(&token_b),
        )
        .await;
    assert!(other["errors"].is_null(), "{other}");
}
