//! Negotiation rounds and final confirmation: a customer's proposal, a proposal outside
//! the automatic limits that names them and waits for a risk officer (never its own
//! author), a stale acceptance refused, a counter-proposal both sides accept, and the
//! application `AGREED`; what the platform does not offer is refused naming why; another
//! customer can neither read nor accept.

use domain::auth::Role;
use serde_json::{Value, json};

use crate::customers::onboarded_customer;
use crate::helpers::{TestApp, error_code, error_message};
use crate::negotiation::selected;
use crate::risk::ready_customer;

const PROPOSE: &str = "mutation($i: ProposeTermsInput!) { proposeTerms(input: $i) { id version authorRole amount periods rate apr firstPayment approval breaks { code message } } }";
const APPROVE: &str = "mutation($id: ID!, $r: String!) { approveProposal(id: $id, reason: $r) { approval decisionReason } }";
const ACCEPT: &str =
    "mutation($id: ID!) { acceptProposal(id: $id) { version customerAcceptedAt bankAcceptedAt } }";
const LIST: &str = "query($id: ID!) { proposals(applicationId: $id) { version authorRole approval customerAcceptedAt bankAcceptedAt } }";

fn terms(id: &str, amount: &str, periods: u32) -> Value {
    json!({ "applicationId": id, "amount": amount, "periods": periods, "frequency": "MONTHLY", "paymentDay": 10, "comment": "as discussed" })
}

async fn propose(app: &TestApp, input: Value, token: &str) -> Value {
    let res = app.gql(PROPOSE, json!({ "i": input }), Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"]["proposeTerms"].clone()
}

async fn status(app: &TestApp, id: &str, token: &str) -> Value {
    let res = app
        .gql(
            "query($id: ID!) { application(id: $id) { status } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    res["data"]["application"]["status"].clone()
}

#[tokio::test]
async fn both_sides_agree_on_a_counter_proposal_after_a_risk_officer_approves_one() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let id = selected(&app, &token).await;
    let agent = app.staff_token(Role::Agent).await;
    let maker = app.staff_token(Role::RiskOfficer).await;
    let checker = app.staff_token(Role::RiskOfficer).await;

    let v1 = propose(&app, terms(&id, "12000", 12), &token).await;
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["approval"], "NOT_NEEDED", "{v1}");
    assert_eq!(status(&app, &id, &token).await, "NEGOTIATING");

    // Far outside what this customer can afford: kept, naming the limits, pending.
    let v2 = propose(&app, terms(&id, "100000", 3), &maker).await;
    assert_eq!(v2["approval"], "PENDING", "{v2}");
    let codes: Vec<&str> = v2["breaks"]
        .as_array()
        .map(|b| b.iter().filter_map(|x| x["code"].as_str()).collect())
        .unwrap_or_default();
    assert!(codes.contains(&"AFFORDABILITY"), "{v2}");
    let res = app
        .gql(
            APPROVE,
            json!({ "id": v2["id"], "r": "my own idea" }),
            Some(&maker),
        )
        .await;
    assert_eq!(error_code(&res), Some("FORBIDDEN"), "self-approval: {res}");
    let res = app
        .gql(ACCEPT, json!({ "id": v2["id"] }), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "pending: {res}");
    let res = app
        .gql(ACCEPT, json!({ "id": v1["id"] }), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "stale: {res}");
    assert!(
        error_message(&res).contains("no longer the latest"),
        "{res}"
    );
    let res = app
        .gql(
            APPROVE,
            json!({ "id": v2["id"], "r": "collateral seen in branch" }),
            Some(&checker),
        )
        .await;
    assert_eq!(
        res["data"]["approveProposal"]["approval"], "APPROVED",
        "{res}"
    );

    // The agent's counter-proposal; both sides accept it.
    let v3 = propose(&app, terms(&id, "12000", 18), &agent).await;
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["approval"], "NOT_NEEDED", "{v3}");
    let res = app
        .gql(ACCEPT, json!({ "id": v3["id"] }), Some(&token))
        .await;
    assert!(
        res["data"]["acceptProposal"]["customerAcceptedAt"].is_string(),
        "{res}"
    );
    assert_eq!(status(&app, &id, &token).await, "NEGOTIATING");
    let res = app
        .gql(ACCEPT, json!({ "id": v3["id"] }), Some(&agent))
        .await;
    assert!(
        res["data"]["acceptProposal"]["bankAcceptedAt"].is_string(),
        "{res}"
    );
    assert_eq!(status(&app, &id, &token).await, "AGREED");

    let list = app.gql(LIST, json!({ "id": id }), Some(&token)).await;
    let versions: Vec<(i64, String)> = list["data"]["proposals"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            (
                p["version"].as_i64().unwrap_or(0),
                p["authorRole"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            (1, "customer".to_owned()),
            (2, "risk_officer".to_owned()),
            (3, "agent".to_owned())
        ],
        "{list}"
    );
    // Agreed: no more proposals.
    let res = app
        .gql(
            PROPOSE,
            json!({ "i": terms(&id, "12000", 24) }),
            Some(&agent),
        )
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
}

#[tokio::test]
async fn terms_the_platform_does_not_offer_are_refused_naming_why_and_others_cannot_touch_them() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let id = selected(&app, &token).await;
    let res = app
        .gql(
            PROPOSE,
            json!({ "i": terms(&id, "12000", 7) }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    assert!(error_message(&res).contains("not 7"), "{res}");
    let mut with_rate = terms(&id, "12000", 12);
    with_rate["rate"] = json!("0.05");
    let res = app
        .gql(PROPOSE, json!({ "i": with_rate }), Some(&token))
        .await;
    assert_eq!(
        error_code(&res),
        Some("VALIDATION"),
        "customers do not set rates: {res}"
    );
    let v1 = propose(&app, terms(&id, "12000", 12), &token).await;

    let (other, _) = onboarded_customer(&app, "13800004003").await;
    let res = app.gql(LIST, json!({ "id": id }), Some(&other)).await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
    let res = app
        .gql(ACCEPT, json!({ "id": v1["id"] }), Some(&other))
        .await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
    let res = app
        .gql(
            PROPOSE,
            json!({ "i": terms(&id, "12000", 12) }),
            Some(&other),
        )
        .await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
}
