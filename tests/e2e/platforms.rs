//! Stage 2's platforms over GraphQL and real HTTP: partners registered by an admin and
//! served by the partner simulator; the recommendation's order and reasons following the
//! customer's channels and grade; consent to the exact disclosure before selecting; the
//! circuit breaker of a failing partner in `/ready` and `/metrics`, opening and closing.

use std::sync::Arc;

use adapters::simulators::partner::{PartnerHandle, PartnerSimConfig, PartnerSimulator};
use chrono::Duration;
use domain::auth::Role;
use domain::platforms::defaults::internal_products;
use domain::platforms::port::{GradePricing, PlanMethod, Product};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::risk::ready_customer;

pub const UPSERT: &str = "mutation($i: PlatformInputGql!) { upsertPlatform(input: $i) { code kind hasCredentials baseUrl disclosure { version sha256 } } }";
const RECOMMEND: &str = "query($id: ID!) { recommendPlatforms(applicationId: $id) { grade platforms { rank platformCode eligible productCode reasons consented quote { apr aprPercent totalInterest } disclosure { version sha256 policyText feeText } } } }";
const ACCEPT: &str = "mutation($id: ID!, $p: String!, $v: Int!, $h: String!) { acceptDisclosure(applicationId: $id, platformCode: $p, version: $v, sha256: $h) { version sha256 } }";
const SELECT: &str = "mutation($id: ID!, $p: String!, $r: String!) { selectPlatform(applicationId: $id, platformCode: $p, productCode: $r) { status platformCode productCode disclosureVersion history { to reason } } }";
const OPEN: &str =
    "mutation($i: OpenApplicationInput!) { openApplication(input: $i) { id status } }";
const PREFS: &str = "mutation($id: ID!, $c: [ContactChannel!]!) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 10, channels: $c }) { channels } }";

pub const SECRET: &str = "a-partner-secret-of-some-length";

/// The GraphQL input of a product.
pub fn product_input(p: &Product) -> Value {
    json!({
        "code": p.code, "name": p.name,
        "method": match p.method {
            PlanMethod::EqualInstallment => "EQUAL_INSTALLMENT",
            PlanMethod::EqualPrincipal => "EQUAL_PRINCIPAL",
            PlanMethod::InterestFirst => "INTEREST_FIRST",
            PlanMethod::FeeBased => "FEE_BASED",
        },
        "frequencies": p.frequencies.iter().map(|f| format!("{f:?}").to_uppercase()).collect::<Vec<_>>(),
        "terms": p.terms,
        "minAmount": format!("{}.{:02}", p.min_amount_fen / 100, p.min_amount_fen % 100),
        "maxAmount": format!("{}.{:02}", p.max_amount_fen / 100, p.max_amount_fen % 100),
        "pricing": p.pricing.iter().map(|g| json!({
            "grade": g.grade, "minRate": g.min_rate.to_string(),
            "standardRate": g.standard_rate.to_string(), "maxRate": g.max_rate.to_string(),
        })).collect::<Vec<_>>(),
        "prepaymentAllowed": p.prepayment.allowed,
        "prepaymentFeeRate": p.prepayment.fee_rate.to_string(),
        "prepaymentMinPeriodsPaid": p.prepayment.min_periods_paid,
        "lateGraceDays": p.late_charge.grace_days,
        "lateDailyRate": p.late_charge.daily_rate.to_string(),
    })
}

/// The bank's standard product with every grade's price raised by `bp` basis points (and
/// grade E priced too), under another name: a partner just a little dearer than the bank.
pub fn dearer_products(bp: i64, grades: &[&str]) -> Vec<Product> {
    let mut p = internal_products().remove(0);
    p.code = "x-standard".into();
    p.name = "Partner X standard".into();
    let bump = Decimal::new(bp, 4);
    let mut pricing: Vec<GradePricing> = p
        .pricing
        .iter()
        .map(|g| GradePricing {
            grade: g.grade.clone(),
            min_rate: g.min_rate,
            standard_rate: g.standard_rate + bump,
            max_rate: (g.max_rate + bump).min(Decimal::new(24, 2)),
        })
        .collect();
    pricing.push(GradePricing {
        grade: "E".into(),
        min_rate: Decimal::new(18, 2),
        standard_rate: Decimal::new(20, 2),
        max_rate: Decimal::new(24, 2),
    });
    pricing.retain(|g| grades.contains(&g.grade.as_str()));
    p.pricing = pricing;
    vec![p]
}

/// Starts a simulated partner on the app's clock and registers it as an admin would.
pub async fn partner(
    app: &TestApp,
    code: &str,
    products: Vec<Product>,
    channels: &[&str],
) -> PartnerHandle {
    let clock = app.clock.clone();
    let mut config = PartnerSimConfig::new(code, SECRET, products.clone())
        .with_clock(Arc::new(move || domain::clock::Clock::now(clock.as_ref())));
    config.callback_url = Some(format!("{}/callbacks/{code}", app.base));
    let sim = PartnerSimulator::start(config).await.expect("simulator");
    let admin = app.staff_token(Role::Admin).await;
    let res = app
        .gql(
            UPSERT,
            json!({ "i": {
                "code": code, "kind": "EXTERNAL", "name": format!("Partner {code}"),
                "baseUrl": sim.base_url(), "clientId": "fenqi-test", "secret": SECRET,
                "products": products.iter().map(product_input).collect::<Vec<_>>(),
                "channels": channels, "policyText": "Partner terms: debits on the due date.",
                "active": true,
            } }),
            Some(&admin),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["upsertPlatform"]["hasCredentials"], true);
    assert!(
        !res.to_string().contains(SECRET),
        "the secret came back: {res}"
    );
    sim
}

/// Changes the channels the bank's own ledger serves through.
async fn internal_channels(app: &TestApp, channels: &[&str]) {
    let admin = app.staff_token(Role::Admin).await;
    let res = app
        .gql(
            UPSERT,
            json!({ "i": {
                "code": "internal", "kind": "INTERNAL", "name": "Fenqi Bank (own ledger)",
                "products": internal_products().iter().map(product_input).collect::<Vec<_>>(),
                "channels": channels, "policyText": domain::platforms::defaults::INTERNAL_POLICY,
                "active": true,
            } }),
            Some(&admin),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
}

async fn opened(app: &TestApp, token: &str) -> String {
    let res = app
        .gql(OPEN, json!({ "i": { "amount": "12000", "purpose": "a design course", "periods": 12, "frequency": "MONTHLY", "paymentDay": 10 } }), Some(token))
        .await;
    assert_eq!(
        res["data"]["openApplication"]["status"], "ASSESSED",
        "{res}"
    );
    res["data"]["openApplication"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn ranking(app: &TestApp, id: &str, token: &str) -> Value {
    let res = app.gql(RECOMMEND, json!({ "id": id }), Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"]["recommendPlatforms"].clone()
}

fn order(r: &Value) -> Vec<String> {
    r["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|p| p["eligible"] == true)
        .map(|p| p["platformCode"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn reasons_of(r: &Value, code: &str) -> String {
    r["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .find(|p| p["platformCode"] == code)
        .map(|p| p["reasons"].to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_ranking_follows_the_customers_channels_and_grade() {
    let app = TestApp::spawn().await;
    let (token, customer_id) = ready_customer(&app).await;
    internal_channels(&app, &["SMS"]).await;
    let _x = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    let id = opened(&app, &token).await;

    let res = app
        .gql(
            PREFS,
            json!({ "id": customer_id, "c": ["APP"] }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let by_app = ranking(&app, &id, &token).await;
    assert_eq!(order(&by_app), ["partner-x", "internal"], "{by_app}");
    assert!(
        reasons_of(&by_app, "partner-x").contains("Serves you by app"),
        "{by_app}"
    );
    assert!(reasons_of(&by_app, "partner-x").contains("APR"), "{by_app}");
    let first = &by_app["platforms"][0];
    assert_eq!(first["rank"], 1);
    assert!(first["quote"]["apr"].is_string(), "{by_app}");
    assert_eq!(
        first["disclosure"]["sha256"].as_str().map(str::len),
        Some(64)
    );

    let res = app
        .gql(
            PREFS,
            json!({ "id": customer_id, "c": ["SMS"] }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let by_sms = ranking(&app, &id, &token).await;
    assert_eq!(order(&by_sms), ["internal", "partner-x"], "{by_sms}");
    assert!(
        reasons_of(&by_sms, "internal").contains("Serves you by sms"),
        "{by_sms}"
    );
    assert!(
        reasons_of(&by_sms, "partner-x").contains("Does not serve you through a channel you chose"),
        "{by_sms}"
    );
}

#[tokio::test]
async fn the_ranking_follows_the_customers_grade() {
    let app = TestApp::spawn().await;
    let (token, customer_id) = ready_customer(&app).await;
    let id = opened(&app, &token).await;
    let before = ranking(&app, &id, &token).await;
    let grade = before["grade"].as_str().unwrap_or_default().to_owned();
    // A partner a little cheaper than the bank, for this grade only.
    let _y = partner(
        &app,
        "partner-y",
        dearer_products(-100, &[&grade]),
        &["SMS"],
    )
    .await;
    let before = ranking(&app, &id, &token).await;
    assert_eq!(order(&before), ["partner-y", "internal"], "{before}");

    // More debt, a new assessment: another grade, and partner-y no longer fits.
    let res = app
        .gql(
            crate::risk::FINANCE,
            json!({ "id": customer_id, "d": "5000" }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let res = app
        .gql(
            "mutation($id: ID!) { assessRisk(customerId: $id) { grade decision } }",
            json!({ "id": customer_id }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let id = opened(&app, &token).await;
    let after = ranking(&app, &id, &token).await;
    let regraded = after["grade"].as_str().unwrap_or_default().to_owned();
    assert_ne!(regraded, grade, "{res} {after}");
    assert_eq!(order(&after), ["internal"], "{after}");
    assert!(
        reasons_of(&after, "partner-y").contains(&format!("not offered to grade {regraded}")),
        "{after}"
    );
    assert_ne!(
        reasons_of(&before, "internal"),
        reasons_of(&after, "internal"),
        "the bank's own price follows the grade too"
    );
}

#[tokio::test]
async fn selecting_needs_consent_to_the_current_disclosure() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let _x = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    let id = opened(&app, &token).await;
    let r = ranking(&app, &id, &token).await;
    let x = r["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|p| p["platformCode"] == "partner-x")
        .unwrap_or_default();
    assert_eq!(x["consented"], false);
    let vars = json!({ "id": id, "p": "partner-x", "r": "x-standard" });

    let res = app.gql(SELECT, vars.clone(), Some(&token)).await;
    assert_eq!(error_code(&res), Some("CONSENT_REQUIRED"), "{res}");

    // A digest of another text is refused.
    let res = app
        .gql(
            ACCEPT,
            json!({ "id": id, "p": "partner-x", "v": 1, "h": "0".repeat(64) }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    let sha = x["disclosure"]["sha256"].clone();
    let res = app
        .gql(
            ACCEPT,
            json!({ "id": id, "p": "partner-x", "v": 1, "h": sha }),
            Some(&token),
        )
        .await;
    assert_eq!(res["data"]["acceptDisclosure"]["version"], 1, "{res}");
    let res = app.gql(SELECT, vars.clone(), Some(&token)).await;
    let selected = &res["data"]["selectPlatform"];
    assert_eq!(selected["status"], "PLATFORM_SELECTED", "{res}");
    assert_eq!(selected["platformCode"], "partner-x");
    assert_eq!(selected["disclosureVersion"], 1);

    // New terms make a new disclosure version; the old consent does not cover it.
    let admin = app.staff_token(Role::Admin).await;
    let res = app
        .gql(
            UPSERT,
            json!({ "i": {
                "code": "partner-x", "kind": "EXTERNAL", "name": "Partner partner-x",
                "baseUrl": _x.base_url(), "clientId": "fenqi-test",
                "products": dearer_products(50, &["A", "B", "C", "D", "E"]).iter().map(product_input).collect::<Vec<_>>(),
                "channels": ["APP"], "policyText": "Partner terms, revised: debits the day before.",
                "active": true,
            } }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        res["data"]["upsertPlatform"]["disclosure"]["version"], 2,
        "{res}"
    );
    assert_eq!(
        res["data"]["upsertPlatform"]["hasCredentials"], true,
        "the secret is kept"
    );
    let res = app.gql(SELECT, vars.clone(), Some(&token)).await;
    assert_eq!(error_code(&res), Some("CONSENT_REQUIRED"), "{res}");
    let sha2 = res_sha(&app, &id, &token, "partner-x").await;
    let res = app
        .gql(
            ACCEPT,
            json!({ "id": id, "p": "partner-x", "v": 2, "h": sha2 }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let res = app.gql(SELECT, vars, Some(&token)).await;
    assert_eq!(
        res["data"]["selectPlatform"]["disclosureVersion"], 2,
        "{res}"
    );

    // Customers never see partners' addresses.
    let res = app
        .gql(
            "{ installmentPlatforms { code baseUrl hasCredentials breaker } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert!(!res.to_string().contains("127.0.0.1"), "{res}");
}

async fn res_sha(app: &TestApp, id: &str, token: &str, code: &str) -> Value {
    let r = ranking(app, id, token).await;
    r["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|p| p["platformCode"] == code)
        .map(|p| p["disclosure"]["sha256"].clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_failing_partner_opens_its_breaker_in_ready_and_metrics_and_closes_again() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        settings: vec![
            ("FENQI_PARTNER_BREAKER_FAILURES", "2".into()),
            ("FENQI_PARTNER_TIMEOUT_MS", "2000".into()),
        ],
        ..Default::default()
    })
    .await;
    let (token, _) = ready_customer(&app).await;
    let x = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    let id = opened(&app, &token).await;
    x.set_fault(adapters::simulators::partner::Fault::Outage(503));
    for _ in 0..2 {
        let r = ranking(&app, &id, &token).await;
        assert!(
            reasons_of(&r, "partner-x").contains("cannot be reached"),
            "{r}"
        );
    }
    let calls = x.requests();
    let r = ranking(&app, &id, &token).await;
    assert_eq!(x.requests(), calls, "an open breaker does not call");
    assert_eq!(order(&r), ["internal"], "{r}");
    let ready: Value = app.get("/ready").await.json().await.expect("json");
    assert_eq!(
        ready["status"], "ready",
        "a partner down is not the bank down: {ready}"
    );
    assert_eq!(
        ready["platforms"]["partner-x"]["breaker"], "open",
        "{ready}"
    );
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(
        metrics.contains("fenqi_platform_breaker_state{platform=\"partner-x\"} 1"),
        "{metrics}"
    );

    x.set_fault(adapters::simulators::partner::Fault::None);
    app.clock.advance(Duration::seconds(31));
    let r = ranking(&app, &id, &token).await;
    assert_eq!(order(&r).len(), 2, "{r}");
    let ready: Value = app.get("/ready").await.json().await.expect("json");
    assert_eq!(
        ready["platforms"]["partner-x"]["breaker"], "closed",
        "{ready}"
    );
    assert_eq!(ready["platforms"]["partner-x"]["timesOpened"], 1, "{ready}");
}

#[tokio::test]
async fn a_ranking_reads_the_same_statements_for_one_platform_or_three() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let id = opened(&app, &token).await;
    let (one, alone) = app
        .gql_counted(RECOMMEND, json!({ "id": id }), Some(&token))
        .await;
    assert_eq!(order(&one["data"]["recommendPlatforms"]).len(), 1, "{one}");
    let _x = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C", "D", "E"]),
        &["APP"],
    )
    .await;
    let _y = partner(
        &app,
        "partner-y",
        dearer_products(80, &["A", "B", "C", "D", "E"]),
        &["SMS"],
    )
    .await;
    let (three, with_three) = app
        .gql_counted(RECOMMEND, json!({ "id": id }), Some(&token))
        .await;
    assert_eq!(
        order(&three["data"]["recommendPlatforms"]).len(),
        3,
        "{three}"
    );
    assert_eq!(alone, with_three, "statements for 1 and 3 platforms");
    assert!(alone <= 10, "{alone} statements");
}
