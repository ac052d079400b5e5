//! One customer from an application to an active plan, on the bank's own ledger and on a
//! simulated partner: a customer's proposal, a proposal outside the limits approved by a
//! second risk officer, a counter-proposal both sides accept, the agreement issued and
//! signed by code, the bank's countersignature, and the plan open with its schedule.

use domain::auth::Role;
use entities::plan_entry;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp};
use crate::plan_opening::{application, plans_of};
use crate::platforms::{dearer_products, partner};
use crate::risk::ready_customer;

const PROPOSE: &str = "mutation($i: ProposeTermsInput!) { proposeTerms(input: $i) { id version approval breaks { code } } }";

async fn ok(app: &TestApp, doc: &str, vars: Value, token: &str) -> Value {
    let res = app.gql(doc, vars, Some(token)).await;
    assert!(res["errors"].is_null(), "{doc}: {res}");
    res["data"].clone()
}

fn terms(id: &str, amount: &str, periods: u32) -> Value {
    json!({ "i": { "applicationId": id, "amount": amount, "periods": periods, "frequency": "MONTHLY", "paymentDay": 10, "comment": "round" } })
}

async fn walk(app: &TestApp, platform: &str, product: &str) {
    let (token, _) = ready_customer(app).await;
    let agent = app.staff_token(Role::Agent).await;
    let maker = app.staff_token(Role::RiskOfficer).await;
    let checker = app.staff_token(Role::RiskOfficer).await;
    let admin = app.staff_token(Role::Admin).await;

    // Open, accept the platform's disclosure, select it.
    let id = ok(app, "mutation { openApplication(input: { amount: \"12000\", purpose: \"a design course\", periods: 12, frequency: MONTHLY, paymentDay: 10 }) { id } }", json!({}), &token).await["openApplication"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ranking = ok(app, "query($id: ID!) { recommendPlatforms(applicationId: $id) { platforms { platformCode disclosure { version sha256 } } } }", json!({ "id": id }), &token).await;
    let d = ranking["recommendPlatforms"]["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|p| p["platformCode"] == platform)
        .map(|p| p["disclosure"].clone())
        .unwrap_or_default();
    ok(app, "mutation($id: ID!, $p: String!, $v: Int!, $h: String!) { acceptDisclosure(applicationId: $id, platformCode: $p, version: $v, sha256: $h) { version } }", json!({ "id": id, "p": platform, "v": d["version"], "h": d["sha256"] }), &token).await;
    ok(app, "mutation($id: ID!, $p: String!, $r: String!) { selectPlatform(applicationId: $id, platformCode: $p, productCode: $r) { status } }", json!({ "id": id, "p": platform, "r": product }), &token).await;

    // Negotiate: the customer's proposal, one outside the limits approved by a second
    // risk officer, and the agent's counter-proposal that both sides accept.
    let v1 = ok(app, PROPOSE, terms(&id, "12000", 12), &token).await;
    assert_eq!(v1["proposeTerms"]["approval"], "NOT_NEEDED");
    let v2 = ok(app, PROPOSE, terms(&id, "100000", 3), &maker).await;
    assert_eq!(v2["proposeTerms"]["approval"], "PENDING");
    ok(app, "mutation($id: ID!) { approveProposal(id: $id, reason: \"collateral seen in branch\") { approval } }", json!({ "id": v2["proposeTerms"]["id"] }), &checker).await;
    let v3 = ok(app, PROPOSE, terms(&id, "12000", 18), &agent).await;
    for who in [&token, &agent] {
        ok(
            app,
            "mutation($id: ID!) { acceptProposal(id: $id) { version } }",
            json!({ "id": v3["proposeTerms"]["id"] }),
            who,
        )
        .await;
    }
    assert_eq!(application(app, &id, &token).await["status"], "AGREED");

    // The agreement, signed by code and countersigned.
    let agreement = ok(
        app,
        "mutation($id: ID!) { issueAgreement(applicationId: $id) { id } }",
        json!({ "id": id }),
        &agent,
    )
    .await["issueAgreement"]["id"]
        .clone();
    ok(
        app,
        "mutation($id: ID!) { requestSigningCode(agreementId: $id) { channel } }",
        json!({ "id": agreement }),
        &token,
    )
    .await;
    let outbox = ok(app, "{ demoOutbox { body } }", json!({}), &admin).await;
    let code: String = outbox["demoOutbox"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_default()
        .to_owned();
    ok(
        app,
        "mutation($id: ID!, $c: String!) { signAgreement(agreementId: $id, code: $c) { side } }",
        json!({ "id": agreement, "c": code }),
        &token,
    )
    .await;
    ok(
        app,
        "mutation($id: ID!) { countersignAgreement(agreementId: $id) { side } }",
        json!({ "id": agreement }),
        &agent,
    )
    .await;

    // Active, with the agreed 18 installments.
    assert_eq!(application(app, &id, &token).await["status"], "ACTIVE");
    let plans = plans_of(app, &id).await;
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].platform_code.as_deref(), Some(platform));
    let entries = plan_entry::Entity::find()
        .filter(plan_entry::Column::PlanId.eq(plans[0].id))
        .count(app.db())
        .await
        .expect("entries");
    assert_eq!(entries, 18);
}

fn with_outbox() -> Options {
    Options {
        settings: vec![("FENQI_DEMO_OUTBOX", "on".into())],
        ..Default::default()
    }
}

#[tokio::test]
async fn a_customer_walks_to_an_active_plan_on_the_bank_s_own_ledger() {
    let app = TestApp::spawn_with(with_outbox()).await;
    walk(&app, "internal", "standard").await;
}

#[tokio::test]
async fn a_customer_walks_to_an_active_plan_on_a_partner() {
    let app = TestApp::spawn_with(with_outbox()).await;
    let sim = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    walk(&app, "partner-x", "x-standard").await;
    assert_eq!(sim.movements().len(), 0, "nothing collected yet");
}
