//! Opening the plan after signing: on the bank's own ledger at once, with its schedule
//! entries; on a partner that is down, the application stays SIGNED with the reason and
//! the retry job opens the plan once when the partner is back.

use adapters::simulators::partner::Fault;
use domain::auth::Role;
use entities::{installment_plan, plan_entry};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::platforms::{dearer_products, partner};
use crate::risk::ready_customer;

/// Walks an application on `platform` (product `product`) to an issued agreement; answers
/// (application id, agreement id).
pub async fn to_agreement(
    app: &TestApp,
    token: &str,
    agent: &str,
    platform: &str,
    product: &str,
) -> (String, Value) {
    let res = app
        .gql("mutation { openApplication(input: { amount: \"12000\", purpose: \"a design course\", periods: 12, frequency: MONTHLY, paymentDay: 10 }) { id } }", json!({}), Some(token))
        .await;
    let id = res["data"]["openApplication"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let platforms = app
        .gql(
            "{ installmentPlatforms { code disclosure { version sha256 } } }",
            json!({}),
            Some(token),
        )
        .await;
    let d = platforms["data"]["installmentPlatforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|p| p["code"] == platform)
        .map(|p| p["disclosure"].clone())
        .unwrap_or_default();
    for (doc, vars) in [
        (
            "mutation($id: ID!, $p: String!, $v: Int!, $h: String!) { acceptDisclosure(applicationId: $id, platformCode: $p, version: $v, sha256: $h) { version } }",
            json!({ "id": id, "p": platform, "v": d["version"], "h": d["sha256"] }),
        ),
        (
            "mutation($id: ID!, $p: String!, $r: String!) { selectPlatform(applicationId: $id, platformCode: $p, productCode: $r) { status } }",
            json!({ "id": id, "p": platform, "r": product }),
        ),
    ] {
        let res = app.gql(doc, vars, Some(token)).await;
        assert!(res["errors"].is_null(), "{res}");
    }
    let res = app
        .gql("mutation($id: ID!) { proposeTerms(input: { applicationId: $id, amount: \"12000\", periods: 12, frequency: MONTHLY, paymentDay: 10, comment: \"ok\" }) { id approval } }", json!({ "id": id }), Some(token))
        .await;
    let proposal = res["data"]["proposeTerms"]["id"].clone();
    assert!(proposal.is_string(), "{res}");
    for who in [token, agent] {
        let res = app
            .gql(
                "mutation($id: ID!) { acceptProposal(id: $id) { version } }",
                json!({ "id": proposal }),
                Some(who),
            )
            .await;
        assert!(res["errors"].is_null(), "{res}");
    }
    let res = app
        .gql(
            "mutation($id: ID!) { issueAgreement(applicationId: $id) { id } }",
            json!({ "id": id }),
            Some(agent),
        )
        .await;
    (id, res["data"]["issueAgreement"]["id"].clone())
}

pub async fn sign(app: &TestApp, agreement: &Value, agent: &str) -> Value {
    let res = app
        .gql(
            "mutation($id: ID!) { recordPaperSignature(agreementId: $id, scanSha256: \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\", witness: \"Wang Min\") { method } }",
            json!({ "id": agreement }),
            Some(agent),
        )
        .await;
    assert_eq!(
        res["data"]["recordPaperSignature"]["method"], "PAPER",
        "{res}"
    );
    app.gql(
        "mutation($id: ID!) { countersignAgreement(agreementId: $id) { side } }",
        json!({ "id": agreement }),
        Some(agent),
    )
    .await
}

pub async fn application(app: &TestApp, id: &str, token: &str) -> Value {
    let res = app
        .gql(
            "query($id: ID!) { application(id: $id) { status openingError } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    res["data"]["application"].clone()
}

pub async fn plans_of(app: &TestApp, id: &str) -> Vec<installment_plan::Model> {
    let id = uuid::Uuid::parse_str(id).expect("id");
    installment_plan::Entity::find()
        .filter(installment_plan::Column::ApplicationId.eq(id))
        .all(app.db())
        .await
        .expect("plans")
}

#[tokio::test]
async fn signing_opens_the_plan_on_the_bank_s_own_ledger_with_its_schedule() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;
    let (id, agreement) = to_agreement(&app, &token, &agent, "internal", "standard").await;
    let res = sign(&app, &agreement, &agent).await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(application(&app, &id, &token).await["status"], "ACTIVE");
    let plans = plans_of(&app, &id).await;
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].principal_fen, 1_200_000);
    let entries = plan_entry::Entity::find()
        .filter(plan_entry::Column::PlanId.eq(plans[0].id))
        .count(app.db())
        .await
        .expect("entries");
    assert_eq!(entries, 12);
}

#[tokio::test]
async fn a_partner_down_at_signing_leaves_the_application_signed_and_the_retry_opens_it_once() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;
    let sim = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    let (id, agreement) = to_agreement(&app, &token, &agent, "partner-x", "x-standard").await;
    sim.set_fault(Fault::Outage(503));
    let res = sign(&app, &agreement, &agent).await;
    assert!(
        res["errors"].is_null(),
        "the countersignature stands: {res}"
    );
    let waiting = application(&app, &id, &token).await;
    assert_eq!(waiting["status"], "SIGNED", "{waiting}");
    assert!(
        waiting["openingError"]
            .as_str()
            .is_some_and(|e| e.contains("partner-x")),
        "{waiting}"
    );
    assert!(plans_of(&app, &id).await.is_empty());

    sim.set_fault(Fault::None);
    // Past the breaker's open time, then the job, twice: one plan.
    app.clock.advance(chrono::Duration::seconds(31));
    for key in ["r-1", "r-2"] {
        app.platform
            .domain()
            .open_signed_plans(key)
            .await
            .expect("job");
    }
    let opened = application(&app, &id, &token).await;
    assert_eq!(opened["status"], "ACTIVE", "{opened}");
    assert_eq!(opened["openingError"], Value::Null);
    let plans = plans_of(&app, &id).await;
    assert_eq!(plans.len(), 1);
    let plan_ref = plans[0].external_ref.clone().unwrap_or_default();
    assert!(
        sim.plan(&plan_ref).is_some(),
        "the partner holds {plan_ref}"
    );
}
