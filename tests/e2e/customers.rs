//! Stage 1: customer profiles, consent, financial status, preferences, bank cards; personal
//! data encrypted at rest, masked in answers, revealed only with a reason (audited); one
//! customer can never touch another's record.

use domain::auth::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

pub const ID_NUMBER: &str = "110105199003071239";
pub const MOBILE: &str = "13812345678";
pub const CARD: &str = "6222020200112233445";

pub const CREATE: &str = "mutation($i: CustomerProfileInput!) { createCustomer(input: $i) { id fullName mobile idNumber birthDate age } }";
pub const UPDATE: &str = "mutation($id: ID!, $i: CustomerProfileInput!) { updateCustomer(customerId: $id, input: $i) { id fullName mobile idNumber birthDate monthlyIncome } }";
pub const TEXTS: &str = "{ consentTexts { purpose version language textHash } }";
pub const CONSENT: &str = "mutation($id: ID!, $p: ConsentPurpose!, $h: String!) { giveConsent(customerId: $id, purpose: $p, textHash: $h) { id purpose version channel } }";

/// The hash of the current text of `purpose` in English.
pub async fn text_hash(app: &TestApp, purpose: &str) -> String {
    let texts = app.gql(TEXTS, json!({}), None).await;
    texts["data"]["consentTexts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["purpose"] == purpose && t["language"] == "en")
        .map(|t| t["textHash"].as_str().unwrap().to_owned())
        .unwrap()
}

/// A customer who registered, made a profile and gave both consents; returns (token,
/// customer id).
pub async fn onboarded_customer(app: &TestApp, mobile: &str) -> (String, String) {
    let (token, _) = app.register_customer(mobile, "a good password").await;
    let res = app
        .gql(CREATE, json!({ "i": { "fullName": "张伟" } }), Some(&token))
        .await;
    let id = res["data"]["createCustomer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{res}"))
        .to_owned();
    for purpose in ["SENSITIVE_PERSONAL_INFORMATION", "CREDIT_INQUIRY"] {
        let hash = text_hash(app, purpose).await;
        let res = app
            .gql(
                CONSENT,
                json!({ "id": id, "p": purpose, "h": hash }),
                Some(&token),
            )
            .await;
        assert!(res["errors"].is_null(), "{res}");
    }
    (token, id)
}

#[tokio::test]
async fn a_customer_builds_a_profile_that_answers_masked() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    let res = app
        .gql(
            UPDATE,
            json!({ "id": id, "i": { "idNumber": ID_NUMBER, "monthlyIncome": "15000.00", "occupation": "Engineer" } }),
            Some(&token),
        )
        .await;
    let c = &res["data"]["updateCustomer"];
    assert_eq!(c["idNumber"], "110***********1239", "{res}");
    assert_eq!(c["mobile"], "138****5678");
    assert_eq!(
        c["birthDate"], "1990-03-07",
        "the birth date comes from the ID number"
    );
    assert_eq!(c["monthlyIncome"], "15000.00");

    let fin = app
        .gql(
            "mutation($id: ID!) { setFinancialStatus(customerId: $id, input: { assets: \"300000\", liabilities: \"50000.00\", monthlyExpenses: \"4000\", monthlyDebtPayments: \"2000\" }) { assets monthlyDebtPayments } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert_eq!(
        fin["data"]["setFinancialStatus"]["assets"], "300000.00",
        "{fin}"
    );
    let pref = app
        .gql(
            "mutation($id: ID!) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 10, maxMonthlyBudget: \"3000\", channels: [SMS, APP], quietHoursStart: \"21:30\", quietHoursEnd: \"08:00\" }) { frequency paymentDay channels quietHoursStart } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert_eq!(
        pref["data"]["setPreferences"]["channels"],
        json!(["SMS", "APP"]),
        "{pref}"
    );
    let card = app
        .gql(
            "mutation($id: ID!, $n: String!) { addBankAccount(customerId: $id, input: { bankName: \"中国工商银行\", cardNumber: $n }) { cardNumber luhnValid warning } }",
            json!({ "id": id, "n": CARD }),
            Some(&token),
        )
        .await;
    assert_eq!(
        card["data"]["addBankAccount"]["cardNumber"], "**** **** **** 3445",
        "{card}"
    );

    let me = app
        .gql(
            "query($id: ID!) { customer(id: $id) { fullName idNumber mobile bankAccounts { cardNumber } financialStatus { liabilities } preferences { paymentDay } consents { purpose channel } } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    let text = me.to_string();
    assert!(
        !text.contains(ID_NUMBER) && !text.contains(MOBILE) && !text.contains(CARD),
        "{me}"
    );
    assert_eq!(
        me["data"]["customer"]["consents"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn a_card_failing_luhn_is_kept_with_a_warning() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    let res = app
        .gql(
            "mutation($id: ID!) { addBankAccount(customerId: $id, input: { bankName: \"Bank\", cardNumber: \"6222 0202 0011 2233 445\" }) { luhnValid warning } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert_eq!(res["data"]["addBankAccount"]["luhnValid"], false, "{res}");
    assert!(
        res["data"]["addBankAccount"]["warning"]
            .as_str()
            .unwrap()
            .contains("Luhn")
    );
}

#[tokio::test]
async fn invalid_id_and_mobile_numbers_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    for (input, field) in [
        (json!({ "idNumber": "110105199003071238" }), "idNumber"),
        (json!({ "idNumber": "11010519900307123" }), "idNumber"),
        (json!({ "idNumber": "110105199002301235" }), "idNumber"),
        (json!({ "mobile": "23812345678" }), "mobile"),
        (json!({ "mobile": "1381234567" }), "mobile"),
        (
            json!({ "birthDate": "1985-01-01", "idNumber": ID_NUMBER }),
            "idNumber",
        ),
    ] {
        let res = app
            .gql(UPDATE, json!({ "id": id, "i": input }), Some(&token))
            .await;
        assert_eq!(error_code(&res), Some("VALIDATION"), "{input}: {res}");
        assert_eq!(
            res["errors"][0]["extensions"]["field"], field,
            "{input}: {res}"
        );
    }
}

#[tokio::test]
async fn sensitive_data_needs_recorded_consent_to_the_current_text() {
    let app = TestApp::spawn().await;
    let (token, _) = app.register_customer(MOBILE, "a good password").await;
    let res = app
        .gql(CREATE, json!({ "i": { "fullName": "李娜" } }), Some(&token))
        .await;
    let id = res["data"]["createCustomer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .gql(
            UPDATE,
            json!({ "id": id, "i": { "idNumber": ID_NUMBER } }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&refused), Some("CONSENT_REQUIRED"), "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["purpose"],
        "sensitive_personal_information"
    );

    let wrong = app
        .gql(
            CONSENT,
            json!({ "id": id, "p": "SENSITIVE_PERSONAL_INFORMATION", "h": "00".repeat(32) }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&wrong), Some("VALIDATION"), "{wrong}");
    let hash = text_hash(&app, "SENSITIVE_PERSONAL_INFORMATION").await;
    let given = app
        .gql(
            CONSENT,
            json!({ "id": id, "p": "SENSITIVE_PERSONAL_INFORMATION", "h": hash }),
            Some(&token),
        )
        .await;
    assert_eq!(given["data"]["giveConsent"]["channel"], "app", "{given}");
    let ok = app
        .gql(
            UPDATE,
            json!({ "id": id, "i": { "idNumber": ID_NUMBER } }),
            Some(&token),
        )
        .await;
    assert!(ok["errors"].is_null(), "{ok}");

    let withdrawn = app
        .gql(
            "mutation($id: ID!) { withdrawConsent(customerId: $id, purpose: SENSITIVE_PERSONAL_INFORMATION) { withdrawnAt } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert!(withdrawn["errors"].is_null(), "{withdrawn}");
    let after = app
        .gql(
            "mutation($id: ID!) { addBankAccount(customerId: $id, input: { bankName: \"B\", cardNumber: \"6222020200112233445\" }) { id } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&after), Some("CONSENT_REQUIRED"), "{after}");
}

/// Every row of a table as text, read straight from the database: on PostgreSQL through
/// `row_to_json`, on SQLite from the database file's own bytes (and its write-ahead log).
async fn dump(app: &TestApp, table: &str) -> String {
    let backend = app.db().get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        let sql = format!("SELECT row_to_json(t)::text AS r FROM {table} t");
        let rows = app
            .db()
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get::<String>("", "r").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        app.sqlite_bytes()
    }
}

#[tokio::test]
async fn the_database_holds_no_identifier_in_clear() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    app.gql(
        UPDATE,
        json!({ "id": id, "i": { "idNumber": ID_NUMBER } }),
        Some(&token),
    )
    .await;
    app.gql(
        "mutation($id: ID!, $n: String!) { addBankAccount(customerId: $id, input: { bankName: \"B\", cardNumber: $n }) { id } }",
        json!({ "id": id, "n": CARD }),
        Some(&token),
    )
    .await;
    for table in [
        "account",
        "customer",
        "customer_bank_account",
        "audit_entry",
        "session",
        "consent",
    ] {
        let text = dump(&app, table).await;
        assert!(!text.is_empty());
        for secret in [ID_NUMBER, MOBILE, CARD, "13812345678"] {
            assert!(!text.contains(secret), "{table} holds {secret} in clear");
        }
    }
    // The values are there, sealed.
    let customer = dump(&app, "customer").await;
    assert!(customer.contains("v1:"), "{customer}");
}

#[tokio::test]
async fn staff_see_masked_data_and_reveal_only_with_a_reason_that_is_audited() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    app.gql(
        UPDATE,
        json!({ "id": id, "i": { "idNumber": ID_NUMBER } }),
        Some(&token),
    )
    .await;
    let agent = app.staff_token(Role::Agent).await;

    let seen = app
        .gql(
            "query($id: ID!) { customer(id: $id) { idNumber mobile } }",
            json!({ "id": id }),
            Some(&agent),
        )
        .await;
    assert_eq!(
        seen["data"]["customer"]["idNumber"], "110***********1239",
        "{seen}"
    );

    const REVEAL: &str = "mutation($id: ID!, $r: String!) { revealCustomerData(customerId: $id, field: ID_NUMBER, reason: $r) }";
    let no_reason = app
        .gql(REVEAL, json!({ "id": id, "r": "need" }), Some(&agent))
        .await;
    assert_eq!(error_code(&no_reason), Some("VALIDATION"), "{no_reason}");
    assert_eq!(no_reason["errors"][0]["extensions"]["field"], "reason");
    let revealed = app
        .gql(
            REVEAL,
            json!({ "id": id, "r": "Customer on the phone asked to confirm the ID on file" }),
            Some(&agent),
        )
        .await;
    assert_eq!(
        revealed["data"]["revealCustomerData"], ID_NUMBER,
        "{revealed}"
    );

    let admin = app.staff_token(Role::Admin).await;
    let trail = app
        .gql(
            "query($id: String) { auditTrail(filter: { action: \"customer.reveal\", targetId: $id }) { edges { node { actorRole reason after } } } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    let node = &trail["data"]["auditTrail"]["edges"][0]["node"];
    assert_eq!(node["actorRole"], "agent", "{trail}");
    assert_eq!(
        node["reason"],
        "Customer on the phone asked to confirm the ID on file"
    );
    assert_eq!(node["after"]["field"], "idNumber");
    assert!(!trail.to_string().contains(ID_NUMBER));
}

#[tokio::test]
async fn agents_find_customers_by_name_or_exactly_by_mobile_or_id_number() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    app.gql(
        UPDATE,
        json!({ "id": id, "i": { "idNumber": ID_NUMBER } }),
        Some(&token),
    )
    .await;
    onboarded_customer(&app, "13900001111").await;
    let agent = app.staff_token(Role::Agent).await;
    const SEARCH: &str = "query($f: CustomerSearchInput!) { searchCustomers(filter: $f) { edges { node { id fullName mobile idNumber } } } }";
    for filter in [
        json!({ "mobile": "138 1234 5678" }),
        json!({ "idNumber": ID_NUMBER }),
    ] {
        let res = app.gql(SEARCH, json!({ "f": filter }), Some(&agent)).await;
        let edges = res["data"]["searchCustomers"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{res}"));
        assert_eq!(edges.len(), 1, "{filter}: {res}");
        assert_eq!(edges[0]["node"]["id"], id.as_str());
        assert_eq!(edges[0]["node"]["mobile"], "138****5678");
    }
    let by_name = app
        .gql(SEARCH, json!({ "f": { "name": "张" } }), Some(&agent))
        .await;
    assert_eq!(
        by_name["data"]["searchCustomers"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{by_name}"
    );
    let empty = app.gql(SEARCH, json!({ "f": {} }), Some(&agent)).await;
    assert_eq!(error_code(&empty), Some("VALIDATION"));
}

#[tokio::test]
async fn an_agent_creates_and_changes_a_walk_in_customer_audited() {
    let app = TestApp::spawn().await;
    let agent = app.staff_token(Role::Agent).await;
    let res = app
        .gql(CREATE, json!({ "i": { "fullName": "王芳", "mobile": "13700001234", "monthlyIncome": "9000" } }), Some(&agent))
        .await;
    let id = res["data"]["createCustomer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{res}"))
        .to_owned();
    let upd = app
        .gql(
            UPDATE,
            json!({ "id": id, "i": { "monthlyIncome": "9500.50" } }),
            Some(&agent),
        )
        .await;
    assert_eq!(
        upd["data"]["updateCustomer"]["monthlyIncome"], "9500.50",
        "{upd}"
    );
    let admin = app.staff_token(Role::Admin).await;
    let trail = app
        .gql(
            "query($id: String) { auditTrail(filter: { targetId: $id }) { edges { node { action before after } } } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    let edges = trail["data"]["auditTrail"]["edges"].as_array().unwrap();
    assert_eq!(edges[0]["node"]["action"], "customer.update", "{trail}");
    assert_eq!(edges[0]["node"]["before"]["monthlyIncome"], "9000.00");
    assert_eq!(edges[0]["node"]["after"]["monthlyIncome"], "9500.50");
    assert_eq!(edges[0]["node"]["after"]["mobile"], "137****1234");
    assert_eq!(edges[1]["node"]["action"], "customer.create");
    // The trail can never be erased, so it holds no name in clear.
    let name = edges[0]["node"]["after"]["fullName"].as_str().unwrap();
    assert!(name.starts_with("王*#") && name.len() > 8, "{name}");
    assert!(!trail.to_string().contains("王芳"), "{trail}");

    // A staff change of preferences records the budget before and after.
    let pref = "mutation($id: ID!, $b: Decimal) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 5, maxMonthlyBudget: $b, channels: [SMS] }) { paymentDay } }";
    app.gql(pref, json!({ "id": id, "b": "2000" }), Some(&agent))
        .await;
    app.gql(pref, json!({ "id": id, "b": "9000" }), Some(&agent))
        .await;
    let trail = app
        .gql(
            "query($id: String) { auditTrail(first: 1, filter: { targetId: $id, action: \"customer.preferences\" }) { edges { node { before after } } } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    let node = &trail["data"]["auditTrail"]["edges"][0]["node"];
    assert_eq!(node["before"]["maxMonthlyBudget"], "2000.00", "{trail}");
    assert_eq!(node["after"]["maxMonthlyBudget"], "9000.00", "{trail}");
}

/// Every root field that takes a customer id, tried by customer A on customer B's id.
fn id_taking_operations() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "Query.customer",
            "query($id: ID!) { customer(id: $id) { id } }",
        ),
        (
            "Query.riskAssessments",
            "query($id: ID!) { riskAssessments(customerId: $id) { id } }",
        ),
        (
            "Mutation.updateCustomer",
            "mutation($id: ID!) { updateCustomer(customerId: $id, input: { occupation: \"x\" }) { id } }",
        ),
        (
            "Mutation.giveConsent",
            "mutation($id: ID!, $h: String!) { giveConsent(customerId: $id, purpose: CREDIT_INQUIRY, textHash: $h) { id } }",
        ),
        (
            "Mutation.withdrawConsent",
            "mutation($id: ID!) { withdrawConsent(customerId: $id, purpose: CREDIT_INQUIRY) { id } }",
        ),
        (
            "Mutation.setFinancialStatus",
            "mutation($id: ID!) { setFinancialStatus(customerId: $id, input: { assets: \"1\", liabilities: \"1\", monthlyExpenses: \"1\", monthlyDebtPayments: \"1\" }) { assets } }",
        ),
        (
            "Mutation.setPreferences",
            "mutation($id: ID!) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 1, channels: [SMS] }) { paymentDay } }",
        ),
        (
            "Mutation.addBankAccount",
            "mutation($id: ID!) { addBankAccount(customerId: $id, input: { bankName: \"B\", cardNumber: \"6222020200112233445\" }) { id } }",
        ),
        (
            "Mutation.revealCustomerData",
            "mutation($id: ID!) { revealCustomerData(customerId: $id, field: ID_NUMBER, reason: \"just curious about it\") }",
        ),
        (
            "Mutation.fetchCreditReport",
            "mutation($id: ID!) { fetchCreditReport(customerId: $id) { id } }",
        ),
        (
            "Mutation.assessRisk",
            "mutation($id: ID!) { assessRisk(customerId: $id) { id } }",
        ),
        (
            "Mutation.verifyCustomerIdentity",
            "mutation($id: ID!) { verifyCustomerIdentity(customerId: $id, note: \"ID card seen\") { id } }",
        ),
    ]
}

#[tokio::test]
async fn customer_a_can_never_read_or_change_customer_b() {
    let app = TestApp::spawn().await;
    let (a, _) = onboarded_customer(&app, MOBILE).await;
    let (b, b_id) = onboarded_customer(&app, "13900001111").await;
    app.gql(
        UPDATE,
        json!({ "id": b_id, "i": { "idNumber": ID_NUMBER, "occupation": "Teacher" } }),
        Some(&b),
    )
    .await;

    // The table covers every root field that takes a customer id.
    let schema = app
        .gql("{ __schema { queryType { fields { name args { name } } } mutationType { fields { name args { name } } } } }", json!({}), None)
        .await;
    let mut takes_id = Vec::new();
    for (kind, key) in [("Query", "queryType"), ("Mutation", "mutationType")] {
        for f in schema["data"]["__schema"][key]["fields"]
            .as_array()
            .unwrap()
        {
            let args: Vec<&str> = f["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap())
                .collect();
            let name = f["name"].as_str().unwrap();
            if args.contains(&"customerId") || (name == "customer" && args.contains(&"id")) {
                takes_id.push(format!("{kind}.{name}"));
            }
        }
    }
    let listed: Vec<String> = id_taking_operations()
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let mut expected = takes_id.clone();
    expected.sort();
    let mut got = listed.clone();
    got.sort();
    assert_eq!(
        expected, got,
        "every field taking a customer id must be tried below"
    );

    let hash = text_hash(&app, "CREDIT_INQUIRY").await;
    for (name, doc) in id_taking_operations() {
        // Valid inputs everywhere, so that only the access check can refuse.
        let vars = if doc.contains("$h") {
            json!({ "id": b_id, "h": hash })
        } else {
            json!({ "id": b_id })
        };
        let res = app.gql(doc, vars, Some(&a)).await;
        let code = error_code(&res);
        assert!(
            matches!(code, Some("NOT_FOUND") | Some("FORBIDDEN")),
            "{name}: {res}"
        );
        assert!(
            !res.to_string().contains("Teacher"),
            "{name} leaked B's data: {res}"
        );
    }
    let still = app
        .gql(
            "query($id: ID!) { customer(id: $id) { occupation } }",
            json!({ "id": b_id }),
            Some(&b),
        )
        .await;
    assert_eq!(
        still["data"]["customer"]["occupation"], "Teacher",
        "{still}"
    );
}

/// Raw JSON of a query, for the data-rights tests.
pub async fn my_data(app: &TestApp, token: &str) -> Value {
    let res = app.gql("{ myData }", json!({}), Some(token)).await;
    res["data"]["myData"].clone()
}
