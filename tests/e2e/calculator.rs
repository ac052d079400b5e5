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
    assert_eq!(error_code(&res), Some("GRAPHQL_VALIDATION_FAILED"), "{res}");
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("strings"),
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
    assert_eq!(
        error_code(&garbage),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{garbage}"
    );
}
