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

const ISSUE: &str = "mutation($id: ID!) { issueAgreement(applicationId: $id) { id sha256 language template htmlUrl pdfUrl } }";
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
    // A changed record is not printed.
    let pdf_url = issued["pdfUrl"].as_str().unwrap_or_default().to_owned();
    let refused = get_html(&app, &pdf_url, &token).await;
    assert_eq!(refused.status().as_u16(), 409);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "CONFLICT", "{body}");
}

/// The text of the cell after `label` in the HTML record's terms table.
fn term(html: &str, label: &str) -> String {
    let row = html
        .split("<tr>")
        .find(|row| row.starts_with(&format!("<th>{label}</th>")))
        .unwrap_or_else(|| panic!("no row {label}"));
    let cell = row.split("<td").nth(1).unwrap_or_default();
    let text = cell.split_once('>').map(|(_, t)| t).unwrap_or_default();
    text.split("</td>").next().unwrap_or_default().to_owned()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of a PDF as `pdftotext` (poppler) reads it; `None` where it is not installed,
/// except under CI, which installs it (`.ci/run`), so there it cannot be skipped.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("agreement.pdf");
    std::fs::write(&path, pdf).expect("written");
    match std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext failed: {out:?}");
            Some(String::from_utf8(out.stdout).expect("UTF-8"))
        }
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI installs poppler-utils, but pdftotext did not run: {e}"
            );
            eprintln!("pdftotext is not installed here; the PDF was read with pdf-extract only");
            None
        }
    }
}

#[tokio::test]
async fn the_pdf_states_the_chinese_clauses_and_the_apr_as_text_to_its_customer_only() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let agent = app.staff_token(Role::Agent).await;
    let id = agreed(&app, &token, &agent).await;
    let res = app.gql(ISSUE, json!({ "id": id }), Some(&agent)).await;
    let issued = res["data"]["issueAgreement"].clone();
    let html_url = issued["htmlUrl"].as_str().unwrap_or_default().to_owned();
    let pdf_url = issued["pdfUrl"].as_str().unwrap_or_default().to_owned();
    assert_eq!(pdf_url, html_url.replace(".html", ".pdf"), "{res}");
    let html = get_html(&app, &html_url, &token)
        .await
        .text()
        .await
        .expect("html");

    let res = get_html(&app, &pdf_url, &token).await;
    assert_eq!(res.status().as_u16(), 200);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("cache-control"), "private, no-store");
    assert_eq!(
        header("x-agreement-sha256"),
        issued["sha256"].as_str().unwrap_or_default()
    );
    let content_sha = header("x-content-sha256");
    let pdf = res.bytes().await.expect("pdf").to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    use sha2::Digest;
    assert_eq!(content_sha, hex::encode(sha2::Sha256::digest(&pdf)));

    // The clauses as the record states them, read back from the PDF as text.
    let apr = term(&html, "年化利率（APR）");
    let late = term(&html, "逾期费用");
    let prepay = term(&html, "提前还款");
    assert!(
        apr.ends_with('%') && !late.is_empty() && !prepay.is_empty(),
        "{html}"
    );
    let expected = [
        "分期付款协议".to_owned(),
        "甲方（借款人）".to_owned(),
        "壹万贰仟元整".to_owned(),
        "年化利率（APR）".to_owned(),
        apr.clone(),
        late,
        prepay,
        "还款计划".to_owned(),
        "本协议以电子方式签发，其内容由 SHA-256 摘要固定。".to_owned(),
        issued["sha256"].as_str().unwrap_or_default().to_owned(),
    ];
    let extracted = pdf_extract::extract_text_from_mem(&pdf).expect("the text extracts");
    let mut readers = vec![("pdf-extract", extracted)];
    if let Some(text) = pdftotext(&pdf) {
        readers.push(("pdftotext", text));
    }
    for (reader, text) in &readers {
        let text = squeeze(text);
        for clause in &expected {
            assert!(
                text.contains(&squeeze(clause)),
                "{reader} did not find '{clause}' in:\n{text}"
            );
        }
        assert!(
            !text.contains(crate::customers::ID_NUMBER),
            "the ID is masked"
        );
    }

    // Staff read it too; another customer, no one, and other names do not.
    assert_eq!(
        get_html(&app, &pdf_url, &agent).await.status().as_u16(),
        200
    );
    let (other, _) = onboarded_customer(&app, "13800004005").await;
    let refused = get_html(&app, &pdf_url, &other).await;
    assert_eq!(refused.status().as_u16(), 404);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "NOT_FOUND", "{body}");
    let anonymous = app
        .client
        .get(format!("{}{pdf_url}", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
    let other_form = get_html(&app, &pdf_url.replace(".pdf", ".docx"), &token).await;
    assert_eq!(other_form.status().as_u16(), 404);
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

#[tokio::test]
async fn a_name_the_font_lacks_is_named_with_font_incomplete_never_printed_as_boxes() {
    let app = TestApp::spawn().await;
    let (token, customer) = ready_customer(&app).await;
    // 䶮 (U+4DAE, in a real given name) is beyond GB 2312, so not in the bundled subset.
    let res = app
        .gql(
            crate::customers::UPDATE,
            json!({ "id": customer, "i": { "fullName": "刘䶮" } }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let agent = app.staff_token(Role::Agent).await;
    let id = agreed(&app, &token, &agent).await;
    let res = app.gql(ISSUE, json!({ "id": id }), Some(&agent)).await;
    let issued = res["data"]["issueAgreement"].clone();

    // The record is fine; the PDF refuses with the character and the way out.
    let html_url = issued["htmlUrl"].as_str().unwrap_or_default().to_owned();
    let html = get_html(&app, &html_url, &token).await;
    assert_eq!(html.status().as_u16(), 200);
    assert!(html.text().await.expect("html").contains("刘䶮"));
    let pdf_url = issued["pdfUrl"].as_str().unwrap_or_default().to_owned();
    let refused = get_html(&app, &pdf_url, &token).await;
    assert_eq!(refused.status().as_u16(), 500);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "FONT_INCOMPLETE", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("'䶮' (U+4DAE)"), "{message}");
    assert!(message.contains("FENQI_AGREEMENT_FONT"), "{message}");
}
