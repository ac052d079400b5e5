//! The public loan calculator, end to end, without a token.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const QUOTE: &str = "query($i: LoanCalculatorInput!) { loanCalculator(input: $i) { totalPayment totalInterest totalFees apr effectiveAnnualRate entries { period dueDate payment principal interest fee remainingPrincipal } } }";

fn input(overrides: Value) -> Value {
    let mut base = json!({
        "principal": "10000.00",
        "annualRate": "0.12",
        "periods": 12,
        "frequency": "MONTHLY",
        "method": "EQUAL_INSTALLMENT",
        "startDate": "2026-01-15",
        "paymentDay": 10,
    });
    if let (Some(base), Some(extra)) = (base.as_object_mut(), overrides.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    base
}

#[tokio::test]
async fn the_calculator_prices_a_loan_without_a_login() {
    let app = TestApp::spawn().await;
    let res = app.gql(QUOTE, json!({ "i": input(json!({})) }), None).await;
    let q = &res["data"]["loanCalculator"];
    assert!(res["errors"].is_null(), "{res}");
    let entries = q["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 12);
    assert_eq!(entries[0]["payment"], "888.49");
    assert_eq!(entries[0]["interest"], "100.00");
    assert_eq!(entries[0]["dueDate"], "2026-03-10");
    assert_eq!(entries[11]["remainingPrincipal"], "0.00");
    let principal: rust_decimal::Decimal = entries
        .iter()
        .map(|e| {
            e["principal"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(principal.to_string(), "10000.00");
    assert_eq!(q["totalFees"], "0.00");
    let apr: f64 = q["apr"].as_str().unwrap().parse().unwrap();
    assert!((apr - 0.12).abs() < 0.0001, "{res}");
    let ear: f64 = q["effectiveAnnualRate"].as_str().unwrap().parse().unwrap();
    assert!((ear - 0.126825).abs() < 0.0001, "{res}");
}

#[tokio::test]
async fn a_fee_based_plan_shows_its_true_apr() {
    let app = TestApp::spawn().await;
    let res = app
        .gql(
            QUOTE,
            json!({ "i": input(json!({ "method": "FEE_BASED", "annualRate": null, "periodFeeRate": "0.006" })) }),
            None,
        )
        .await;
    let q = &res["data"]["loanCalculator"];
    assert_eq!(q["totalFees"], "720.00", "{res}");
    assert_eq!(q["totalInterest"], "0.00");
    let apr: f64 = q["apr"].as_str().unwrap().parse().unwrap();
    assert!(
        apr > 0.072 * 1.8,
        "a 0.6 % monthly fee is far above 7.2 % a year: {apr}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_validation_error_naming_the_field() {
    let app = TestApp::spawn().await;
    for (overrides, field) in [
        (json!({ "principal": "0" }), "principal"),
        (json!({ "principal": "-5" }), "principal"),
        (json!({ "principal": "100000000.01" }), "principal"),
        (json!({ "principal": "10.001" }), "principal"),
        (json!({ "periods": 0 }), "periods"),
        (json!({ "periods": 361 }), "periods"),
        (json!({ "annualRate": "-0.01" }), "annualRate"),
        (json!({ "annualRate": "0.25" }), "annualRate"),
        (json!({ "paymentDay": 29 }), "paymentDay"),
        (json!({ "paymentDay": 0 }), "paymentDay"),
        (json!({ "periodFeeRate": "0.005" }), "periodFeeRate"),
        (
            json!({ "method": "FEE_BASED", "annualRate": null }),
            "periodFeeRate",
        ),
        (
            json!({ "method": "FEE_BASED", "annualRate": null, "periodFeeRate": "0.05" }),
            "periodFeeRate",
        ),
    ] {
        let res = app
            .gql(QUOTE, json!({ "i": input(overrides.clone()) }), None)
            .await;
        assert_eq!(error_code(&res), Some("VALIDATION"), "{overrides}: {res}");
        assert_eq!(
            res["errors"][0]["extensions"]["field"], field,
            "{overrides}: {res}"
        );
        assert!(res["data"].is_null(), "{res}");
    }
}

#[tokio::test]
async fn money_never_travels_as_a_float() {
    let app = TestApp::spawn().await;
    let res = app
        .gql(
            QUOTE,
            json!({ "i": input(json!({ "principal": 10000.5 })) }),
            None,
        )
        .await;
    // An input that does not parse is a VALIDATION error naming its field, like any other.
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    assert_eq!(
        res["errors"][0]["extensions"]["field"], "principal",
        "{res}"
    );
    assert_eq!(
        res["errors"].as_array().map(Vec::len),
        Some(1),
        "one error per field: {res}"
    );
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("string"),
        "{res}"
    );
    let whole = app
        .gql(
            QUOTE,
            json!({ "i": input(json!({ "principal": 10000 })) }),
            None,
        )
        .await;
    assert!(whole["errors"].is_null(), "{whole}");
    let garbage = app
        .gql(
            QUOTE,
            json!({ "i": input(json!({ "startDate": "2026-02-30" })) }),
            None,
        )
        .await;
    assert_eq!(error_code(&garbage), Some("VALIDATION"), "{garbage}");
    assert_eq!(
        garbage["errors"][0]["extensions"]["field"], "startDate",
        "{garbage}"
    );
    // The same in a literal argument.
    let literal = app
        .gql(
            "{ loanCalculator(input: { principal: \"100\", annualRate: \"0.1\", periods: 2, frequency: MONTHLY, method: EQUAL_INSTALLMENT, startDate: \"2026-13-45\", paymentDay: 10 }) { apr } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_code(&literal), Some("VALIDATION"), "{literal}");
    assert_eq!(
        literal["errors"][0]["extensions"]["field"], "startDate",
        "{literal}"
    );
    assert_eq!(
        literal["errors"][0]["extensions"]["argumentPath"], "input.startDate",
        "{literal}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_utf8_says_so() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(b"{\"query\": \"{ __typename }\", \"x\": \"\xff\xfe\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_REQUEST"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("UTF-8"),
        "{body}"
    );
}

#[tokio::test]
async fn fields_come_back_in_the_order_they_were_asked() {
    let app = TestApp::spawn().await;
    let (token, _) = app
        .register_customer("13812349876", "a good password")
        .await;
    // `me` waits for the database, `__typename` does not: resolved concurrently, the fast
    // one used to come first.
    let query = "{ me { role id displayName } __typename second: __typename loanCalculator(input: { principal: \"100\", annualRate: \"0.1\", periods: 2, frequency: MONTHLY, method: EQUAL_INSTALLMENT, startDate: \"2026-01-15\", paymentDay: 10 }) { totalInterest apr entries { principal period } } }";
    for _ in 0..10 {
        let res = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&token)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = |needle: &str| {
            res.find(needle)
                .unwrap_or_else(|| panic!("{needle} in {res}"))
        };
        assert!(at("\"me\"") < at("\"__typename\""), "{res}");
        assert!(at("\"__typename\"") < at("\"second\""), "{res}");
        assert!(at("\"second\"") < at("\"loanCalculator\""), "{res}");
        assert!(
            at("\"role\"") < at("\"id\"") && at("\"id\"") < at("\"displayName\""),
            "{res}"
        );
        assert!(at("\"totalInterest\"") < at("\"apr\""), "{res}");
        assert!(at("\"principal\"") < at("\"period\""), "{res}");
    }
}

#[tokio::test]
async fn an_apr_is_never_shown_above_the_legal_cap() {
    let app = TestApp::spawn().await;
    // 24 % nominal: the exact IRR is 0.24000063 (interest is rounded to the fen), which
    // is 24.00 % as disclosed; the answer shows the disclosed figure, never the one above.
    let res = app
        .gql(
            "{ loanCalculator(input: { principal: \"10000.00\", annualRate: \"0.24\", periods: 12, frequency: MONTHLY, method: EQUAL_INSTALLMENT, startDate: \"2026-01-15\", paymentDay: 10 }) { apr aprPercent } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(res["data"]["loanCalculator"]["apr"], "0.2400", "{res}");
    assert_eq!(
        res["data"]["loanCalculator"]["aprPercent"], "24.00",
        "{res}"
    );
}
