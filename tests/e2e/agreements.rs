//! The agreement: issued once from the version both sides accepted, its document in
//! Chinese with the amount in capital numerals and the APR beside the rate, served to its
//! customer and staff only with its SHA-256; a changed archived document is reported
//! tampered.

use domain::auth::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::customers::onboarded_customer;
use crate::helpers::{TestApp, error_code};
use crate::negotiation::selected;
use crate::risk::ready_customer;

const ISSUE: &str = "mutation($id: ID!) { issueAgreement(applicationId: $id) { id sha256 language template htmlUrl } }";
const VERIFY: &str = "query($id: ID!) { verifyAgreement(id: $id) { intact differences } }";

/// An application both sides agreed on (12,000 yuan over 12 months).
async fn agreed(app: &TestApp, token: &str, agent: &str) -> String {
    let id = selected(app, token).await;
    let res = app
        .gql(
            "mutation($id: ID!) { proposeTerms(input: { applicationId: $id, amount: \"12000\", periods: 12, frequency: MONTHLY, paymentDay: 10, comment: \"as discussed\" }) { id } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    let proposal = res["data"]["proposeTerms"]["id"].clone();
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
    id
}

async fn get_html(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn an_agreement_is_issued_once_served_to_its_customer_and_verified() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;
    let id = agreed(&app, &token, &agent).await;

    let res = app.gql(ISSUE, json!({ "id": id }), Some(&agent)).await;
    let issued = res["data"]["issueAgreement"].clone();
    assert_eq!(issued["language"], "zh-CN", "{res}");
    let again = app.gql(ISSUE, json!({ "id": id }), Some(&agent)).await;
    assert_eq!(
        again["data"]["issueAgreement"]["id"], issued["id"],
        "issued once: {again}"
    );
    let res = app.gql(ISSUE, json!({ "id": id }), Some(&token)).await;
    assert_eq!(error_code(&res), Some("FORBIDDEN"), "{res}");

    let url = issued["htmlUrl"].as_str().unwrap_or_default().to_owned();
    let page = get_html(&app, &url, &token).await;
    assert_eq!(page.status().as_u16(), 200);
    let sha = page
        .headers()
        .get("x-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(sha.as_deref(), issued["sha256"].as_str());
    let html = page.text().await.expect("text");
    assert!(html.contains("分期付款协议"), "{html}");
    assert!(html.contains("壹万贰仟元整"), "the amount in capitals");
    assert!(html.contains("年化利率（APR）"), "the APR is stated");
    assert!(html.contains("class=\"cost\""), "as prominent as the rate");
    assert_eq!(html.matches("<tr><td>").count(), 12, "the full schedule");
    assert!(
        !html.contains(crate::customers::ID_NUMBER),
        "the ID number is masked"
    );

    // Another customer sees nothing.
    let (other, _) = onboarded_customer(&app, "13800004004").await;
    assert_eq!(get_html(&app, &url, &other).await.status().as_u16(), 404);
    let res = app
        .gql(VERIFY, json!({ "id": issued["id"] }), Some(&other))
        .await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
    let anonymous = app
        .client
        .get(format!("{}{url}", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);

    let res = app
        .gql(VERIFY, json!({ "id": issued["id"] }), Some(&token))
        .await;
    assert_eq!(res["data"]["verifyAgreement"]["intact"], true, "{res}");

    // Someone changes the archived document in the database.
    let backend = app.db().get_database_backend();
    let sql = "UPDATE agreement SET html = replace(html, '壹万贰仟元整', '壹万伍仟元整')";
    // The archive offers no update path: the database itself refuses.
    let refused = app
        .db()
        .execute_raw(Statement::from_string(backend, sql))
        .await;
    assert!(refused.is_err(), "an archived agreement was updated");
    let refused = app
        .db()
        .execute_raw(Statement::from_string(backend, "DELETE FROM agreement"))
        .await;
    assert!(refused.is_err(), "an archived agreement was deleted");
    // Someone with the database owner's rights drops the guard and changes the document:
    // verification still tells.
    let drop = if backend == sea_orm::DatabaseBackend::Postgres {
        "DROP TRIGGER agreement_archived ON agreement"
    } else {
        "DROP TRIGGER agreement_archived_update"
    };
    app.db()
        .execute_raw(Statement::from_string(backend, drop))
        .await
        .expect("guard dropped");
    app.db()
        .execute_raw(Statement::from_string(backend, sql))
        .await
        .expect("tampered");
    let res = app
        .gql(VERIFY, json!({ "id": issued["id"] }), Some(&token))
        .await;
    let verdict: &Value = &res["data"]["verifyAgreement"];
    assert_eq!(verdict["intact"], false, "{res}");
    assert!(
        verdict["differences"].to_string().contains("SHA-256"),
        "{res}"
    );
}

const CODE: &str =
    "mutation($id: ID!) { requestSigningCode(agreementId: $id) { channel expiresAt } }";
const SIGN: &str = "mutation($id: ID!, $c: String!) { signAgreement(agreementId: $id, code: $c) { side method documentSha256 } }";
const COUNTERSIGN: &str =
    "mutation($id: ID!) { countersignAgreement(agreementId: $id) { side method } }";

/// The latest code in the demo outbox.
async fn latest_code(app: &TestApp, admin: &str) -> String {
    let res = app
        .gql("{ demoOutbox { kind body } }", json!({}), Some(admin))
        .await;
    let body = res["data"]["demoOutbox"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_customer_signs_by_code_after_five_wrong_tries_void_one_and_the_bank_countersigns() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        settings: vec![("FENQI_DEMO_OUTBOX", "on".into())],
        ..Default::default()
    })
    .await;
    let (token, _) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;
    let admin = app.staff_token(Role::Admin).await;
    let id = agreed(&app, &token, &agent).await;
    let issued = app.gql(ISSUE, json!({ "id": id }), Some(&agent)).await;
    let agreement = issued["data"]["issueAgreement"]["id"].clone();
    let sha = issued["data"]["issueAgreement"]["sha256"].clone();

    let res = app
        .gql(COUNTERSIGN, json!({ "id": agreement }), Some(&agent))
        .await;
    assert_eq!(
        error_code(&res),
        Some("CONFLICT"),
        "the customer signs first: {res}"
    );

    let res = app
        .gql(CODE, json!({ "id": agreement }), Some(&token))
        .await;
    assert!(
        res["data"]["requestSigningCode"]["expiresAt"].is_string(),
        "{res}"
    );
    let first = latest_code(&app, &admin).await;
    assert_eq!(first.len(), 6, "a 6-digit code in the outbox");
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let res = app
            .gql(SIGN, json!({ "id": agreement, "c": wrong }), Some(&token))
            .await;
        assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    }
    let res = app
        .gql(SIGN, json!({ "id": agreement, "c": first }), Some(&token))
        .await;
    assert_eq!(
        error_code(&res),
        Some("CONFLICT"),
        "five wrong tries void the code: {res}"
    );

    app.gql(CODE, json!({ "id": agreement }), Some(&token))
        .await;
    let second = latest_code(&app, &admin).await;
    let res = app
        .gql(SIGN, json!({ "id": agreement, "c": second }), Some(&token))
        .await;
    assert_eq!(res["data"]["signAgreement"]["method"], "CODE", "{res}");
    assert_eq!(res["data"]["signAgreement"]["documentSha256"], sha);
    let res = app
        .gql(COUNTERSIGN, json!({ "id": agreement }), Some(&agent))
        .await;
    assert_eq!(res["data"]["countersignAgreement"]["side"], "BANK", "{res}");
    let status = app
        .gql(
            "query($id: ID!) { application(id: $id) { status } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert_eq!(
        status["data"]["application"]["status"], "ACTIVE",
        "{status}"
    );
    // Codes are stored hashed: the plain code is nowhere in the codes table.
    let rows = app
        .db()
        .query_all_raw(Statement::from_string(
            app.db().get_database_backend(),
            "SELECT code_hash FROM signing_code",
        ))
        .await
        .expect("codes");
    assert_eq!(rows.len(), 2);
    for row in rows {
        let hash: String = row.try_get("", "code_hash").expect("hash");
        assert!(!hash.contains(&second) && !hash.contains(&first), "{hash}");
    }
    // Without the setting, the outbox is closed.
    let closed = TestApp::spawn_with(crate::helpers::Options {
        settings: vec![("FENQI_DEMO_OUTBOX", "off".into())],
        ..Default::default()
    })
    .await;
    let admin = closed.staff_token(Role::Admin).await;
    let res = closed
        .gql("{ demoOutbox { body } }", json!({}), Some(&admin))
        .await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
}
