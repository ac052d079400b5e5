//! Worked examples, each rule on its own, policy validation, and properties that must hold
//! for any input.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{Value, json};

use super::*;
use crate::error::DomainError;
use crate::money::Money;
use crate::rate::Rate;

fn yuan(y: i64) -> Money {
    Money::from_fen(y * 100)
}

fn rate(d: Decimal) -> Rate {
    Rate::new(d).unwrap()
}

fn policy() -> RiskPolicy {
    RiskPolicy::default_policy()
}

/// A strong applicant: good score, low debt, room to spare, asking for a loan well within
/// the limits.
fn strong() -> RiskInputs {
    RiskInputs {
        age: 35,
        monthly_income: yuan(25_000),
        monthly_expenses: yuan(6_000),
        existing_monthly_debt_payments: yuan(1_500),
        assets: yuan(500_000),
        liabilities: yuan(100_000),
        occupation: Some("Engineer".into()),
        credit: Some(CreditFacts {
            score: Some(780),
            open_accounts: 4,
            delinquencies_24m: 0,
            recent_inquiries: 1,
            active_delinquency: false,
        }),
        requested: Some(RequestedLoan {
            amount: yuan(100_000),
            term_months: 24,
        }),
        monthly_budget: Some(yuan(5_000)),
    }
}

/// A borderline applicant: a modest score and a thin cushion put them in grade D.
fn borderline() -> RiskInputs {
    RiskInputs {
        age: 45,
        monthly_income: yuan(9_000),
        monthly_expenses: yuan(3_500),
        existing_monthly_debt_payments: yuan(2_000),
        assets: yuan(60_000),
        liabilities: yuan(40_000),
        occupation: Some("Shop assistant".into()),
        credit: Some(CreditFacts {
            score: Some(560),
            open_accounts: 6,
            delinquencies_24m: 1,
            recent_inquiries: 3,
            active_delinquency: false,
        }),
        requested: None,
        monthly_budget: None,
    }
}

/// A weak applicant: over-indebted, delinquent right now, shopping around for credit.
fn weak() -> RiskInputs {
    RiskInputs {
        age: 28,
        monthly_income: yuan(6_000),
        monthly_expenses: yuan(2_500),
        existing_monthly_debt_payments: yuan(3_200),
        assets: yuan(10_000),
        liabilities: yuan(80_000),
        occupation: Some("Driver".into()),
        credit: Some(CreditFacts {
            score: Some(520),
            open_accounts: 9,
            delinquencies_24m: 2,
            recent_inquiries: 8,
            active_delinquency: true,
        }),
        requested: None,
        monthly_budget: None,
    }
}

fn credit(inputs: &mut RiskInputs) -> &mut CreditFacts {
    inputs.credit.as_mut().unwrap()
}

fn reason<'a>(outcome: &'a RiskOutcome, code: &str) -> &'a Reason {
    outcome
        .reasons
        .iter()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", outcome.reasons))
}

fn codes(outcome: &RiskOutcome) -> Vec<&'static str> {
    outcome.reasons.iter().map(|r| r.code).collect()
}

fn decisive(outcome: &RiskOutcome) -> Vec<&'static str> {
    outcome
        .reasons
        .iter()
        .filter(|r| r.effect == Effect::Decisive)
        .map(|r| r.code)
        .collect()
}

fn points(outcome: &RiskOutcome) -> Vec<(&'static str, Decimal)> {
    outcome
        .reasons
        .iter()
        .filter_map(|r| r.points.map(|p| (r.code, p)))
        .collect()
}

fn points_sum(outcome: &RiskOutcome) -> Decimal {
    outcome.reasons.iter().filter_map(|r| r.points).sum()
}

// ---------------------------------------------------------------------------------------
// Worked examples (the same three are walked through in docs/risk.md).

#[test]
fn a_strong_applicant_is_approved_in_grade_a() {
    let o = assess(&policy(), &strong());
    assert_eq!(o.score.to_string(), "95.4");
    assert_eq!(o.grade, Grade::A);
    assert_eq!(o.decision, Decision::Approve);
    assert_eq!(o.debt_to_income.to_string(), "0.0600");
    assert_eq!(o.disposable_income, yuan(17_500));
    // min(25,000 × 50 % − 1,500 = 11,000; 17,500 × 60 % = 10,500; budget 5,000).
    assert_eq!(o.max_installment, yuan(5_000));
    // min(PV of 5,000 × 36 at 9 % = 157,234.02; 12 × 25,000; the 200,000 ceiling).
    assert_eq!(o.max_amount, Money::from_fen(15_723_402));
    assert_eq!(o.max_term_months, 36);
    assert_eq!(o.rate_range, (rate(dec!(0.06)), rate(dec!(0.09))));
    assert_eq!(
        points(&o),
        vec![
            ("CREDIT_SCORE", dec!(28.3)),
            ("DEBT_TO_INCOME", dec!(17.6)),
            ("AFFORDABILITY", dec!(15.0)),
            ("DELINQUENCY_HISTORY", dec!(10.0)),
            ("RECENT_INQUIRIES", dec!(4.5)),
            ("STABILITY", dec!(10.0)),
            ("NET_WORTH", dec!(5.0)),
            ("AGE_BAND", dec!(5.0)),
        ]
    );
    assert_eq!(points_sum(&o), o.score);
    assert_eq!(
        reason(&o, "CREDIT_SCORE").message,
        "Credit score 780 out of 900 adds 28.3 of 30 points (none at 450 or below, all from 800)."
    );
    assert_eq!(
        reason(&o, "DEBT_TO_INCOME").message,
        "Existing debt payments of 1,500.00 yuan take 6.0 % of monthly income (the limit is \
         50 %), which adds 17.6 of 20 points."
    );
    assert_eq!(
        reason(&o, "MAX_INSTALLMENT").message,
        "The largest affordable new installment is 5,000.00 yuan a month, the smallest of \
         11,000.00 yuan (50 % of income less existing debt payments), 10,500.00 yuan (60 % of \
         the 17,500.00 yuan left each month) and 5,000.00 yuan (the customer's monthly budget)."
    );
    assert_eq!(
        reason(&o, "REQUEST_WITHIN_LIMITS").message,
        "The requested 100,000.00 yuan over 24 months is within the limits: it would cost about \
         4,568.47 yuan a month at the grade's highest rate of 9 %, and debt payments would take \
         24.3 % of income."
    );
    assert_eq!(reason(&o, "REQUEST_WITHIN_LIMITS").effect, Effect::Positive);
    assert!(decisive(&o).is_empty());
    assert_eq!(
        o.reasons.last().unwrap().message,
        "Approved within the policy: grade A, a loan of up to 157,234.02 yuan over up to 36 \
         months."
    );
}

#[test]
fn a_borderline_applicant_in_grade_d_is_referred() {
    let o = assess(&policy(), &borderline());
    assert_eq!(o.score.to_string(), "58.3");
    assert_eq!(o.grade, Grade::D);
    assert_eq!(o.decision, Decision::Refer);
    assert_eq!(o.debt_to_income.to_string(), "0.2222");
    assert_eq!(o.disposable_income, yuan(3_500));
    // min(9,000 × 50 % − 2,000 = 2,500; 3,500 × 60 % = 2,100); no budget given.
    assert_eq!(o.max_installment, yuan(2_100));
    // PV of 2,100 × 12 at 18 %: grade D allows 12 months.
    assert_eq!(o.max_amount, Money::from_fen(2_290_576));
    assert_eq!(o.max_term_months, 12);
    assert_eq!(o.rate_range, (rate(dec!(0.15)), rate(dec!(0.18))));
    assert_eq!(
        points(&o).iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        vec![
            dec!(9.4),
            dec!(11.1),
            dec!(11.7),
            dec!(8.3),
            dec!(3.5),
            dec!(8.8),
            dec!(0.5),
            dec!(5.0)
        ]
    );
    assert_eq!(points_sum(&o), o.score);
    assert_eq!(decisive(&o), vec!["GRADE_REFER"]);
    assert_eq!(
        reason(&o, "GRADE_REFER").message,
        "Grade D is referred under this policy: a risk officer reviews the application."
    );
}

#[test]
fn a_weak_applicant_is_declined_with_every_reason() {
    let o = assess(&policy(), &weak());
    assert_eq!(o.score.to_string(), "21.0");
    assert_eq!(o.grade, Grade::E);
    assert_eq!(o.decision, Decision::Decline);
    assert_eq!(o.debt_to_income.to_string(), "0.5333");
    assert_eq!(o.disposable_income, yuan(300));
    assert_eq!(o.max_installment, Money::ZERO);
    assert_eq!(o.max_amount, Money::ZERO);
    assert_eq!(points_sum(&o), o.score);
    assert_eq!(
        decisive(&o),
        vec!["ACTIVE_DELINQUENCY", "GRADE_E", "DTI_HIGH"]
    );
    assert_eq!(
        reason(&o, "ACTIVE_DELINQUENCY").message,
        "An active delinquency on a credit account: the application is declined."
    );
    // Eight inquiries would refer on their own; the decline overtakes that.
    let inquiries = reason(&o, "INQUIRIES_HIGH");
    assert_eq!(inquiries.effect, Effect::Negative);
    assert!(
        inquiries.message.contains("on its own"),
        "{}",
        inquiries.message
    );
    assert_eq!(
        o.reasons.last().unwrap().message,
        "Declined: 3 of the rules above decline the application."
    );
}

#[test]
fn reasons_follow_the_inputs() {
    // The end-to-end scenario: the same customer with 1,000 then 11,000 of debt payments.
    let mut low = strong();
    low.monthly_income = yuan(20_000);
    low.monthly_expenses = yuan(4_000);
    low.existing_monthly_debt_payments = yuan(1_000);
    low.assets = yuan(200_000);
    low.liabilities = yuan(20_000);
    low.requested = None;
    low.monthly_budget = None;
    let mut high = low.clone();
    high.existing_monthly_debt_payments = yuan(11_000);

    let a = assess(&policy(), &low);
    let b = assess(&policy(), &high);
    assert_eq!(a.debt_to_income.to_string(), "0.0500");
    assert_eq!(b.debt_to_income.to_string(), "0.5500");
    assert!(b.score < a.score);
    assert_ne!(a.max_installment, b.max_installment);
    assert_eq!(b.max_installment, Money::ZERO);
    let messages = |o: &RiskOutcome| {
        o.reasons
            .iter()
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
    };
    assert_ne!(messages(&a), messages(&b));
    assert!(
        reason(&b, "DEBT_TO_INCOME")
            .message
            .contains("take 55.0 % of monthly income (the limit is 50 %)")
    );
    assert_eq!(b.decision, Decision::Decline);
    assert!(decisive(&b).contains(&"DTI_HIGH"));
}

#[test]
fn the_same_inputs_give_the_same_outcome() {
    for inputs in [strong(), borderline(), weak()] {
        assert_eq!(assess(&policy(), &inputs), assess(&policy(), &inputs));
    }
}

// ---------------------------------------------------------------------------------------
// Each decline rule on its own, starting from the strong applicant.

fn declined_by(inputs: &RiskInputs, code: &str) -> RiskOutcome {
    let o = assess(&policy(), inputs);
    assert_eq!(o.decision, Decision::Decline, "{:#?}", o.reasons);
    assert!(
        decisive(&o).contains(&code),
        "{code} not decisive: {:#?}",
        o.reasons
    );
    o
}

#[test]
fn an_active_delinquency_always_declines() {
    let mut i = strong();
    credit(&mut i).active_delinquency = true;
    let o = declined_by(&i, "ACTIVE_DELINQUENCY");
    assert_eq!(decisive(&o), vec!["ACTIVE_DELINQUENCY"]);
    assert_eq!(reason(&o, "DELINQUENCY_HISTORY").points, Some(dec!(0.0)));
}

#[test]
fn ages_outside_the_policy_decline() {
    let mut i = strong();
    i.age = 21;
    let o = declined_by(&i, "AGE_BELOW_MIN");
    assert_eq!(
        reason(&o, "AGE_BELOW_MIN").message,
        "Age 21 is below the minimum age of 22: the application is declined."
    );
    i.age = 22;
    assert_eq!(assess(&policy(), &i).decision, Decision::Approve);
    i.age = 60;
    assert_eq!(assess(&policy(), &i).decision, Decision::Approve);
    i.age = 61;
    declined_by(&i, "AGE_ABOVE_MAX");
}

#[test]
fn too_many_delinquencies_decline() {
    let mut i = strong();
    credit(&mut i).delinquencies_24m = 5;
    assert_ne!(assess(&policy(), &i).decision, Decision::Decline);
    credit(&mut i).delinquencies_24m = 6;
    let o = declined_by(&i, "DELINQUENCIES_HIGH");
    assert_eq!(
        reason(&o, "DELINQUENCIES_HIGH").message,
        "6 delinquencies in the last 24 months, more than the 5 allowed: the application is \
         declined."
    );
}

#[test]
fn a_credit_score_below_the_floor_declines() {
    let mut i = strong();
    credit(&mut i).score = Some(499);
    declined_by(&i, "CREDIT_SCORE_LOW");
    credit(&mut i).score = Some(500);
    assert!(!codes(&assess(&policy(), &i)).contains(&"CREDIT_SCORE_LOW"));
    let mut p = policy();
    p.decline.min_credit_score = None;
    credit(&mut i).score = Some(300);
    assert!(!codes(&assess(&p, &i)).contains(&"CREDIT_SCORE_LOW"));
}

#[test]
fn grade_e_declines_or_refers_as_the_policy_says() {
    // The weak applicant without the other decline reasons still lands in grade E.
    let mut i = weak();
    credit(&mut i).active_delinquency = false;
    credit(&mut i).recent_inquiries = 0;
    i.existing_monthly_debt_payments = yuan(2_000);
    let o = assess(&policy(), &i);
    assert_eq!(o.grade, Grade::E);
    assert_eq!(decisive(&o), vec!["GRADE_E"]);
    assert_eq!(o.decision, Decision::Decline);

    let mut p = policy();
    p.decline.grade_e = GradeEAction::Refer;
    let o = assess(&p, &i);
    assert_eq!(o.decision, Decision::Refer);
    assert_eq!(decisive(&o), vec!["GRADE_E"]);
}

#[test]
fn no_room_for_an_installment_declines() {
    // No income.
    let mut i = strong();
    i.monthly_income = Money::ZERO;
    let o = declined_by(&i, "NO_INCOME");
    assert_eq!(o.debt_to_income.to_string(), "10.0000");
    assert_eq!(o.max_installment, Money::ZERO);
    assert_eq!(o.max_amount, Money::ZERO);
    // Existing debts at the limit.
    let mut i = strong();
    i.existing_monthly_debt_payments = yuan(12_500);
    declined_by(&i, "DTI_HIGH");
    // Expenses eat everything while debts are under the limit.
    let mut i = strong();
    i.monthly_expenses = yuan(23_500);
    let o = declined_by(&i, "NO_AFFORDABLE_INSTALLMENT");
    assert!(
        reason(&o, "NO_AFFORDABLE_INSTALLMENT")
            .message
            .contains("after expenses and existing debt payments")
    );
    // A budget of nothing.
    let mut i = strong();
    i.monthly_budget = Some(Money::ZERO);
    let o = declined_by(&i, "NO_AFFORDABLE_INSTALLMENT");
    assert!(
        reason(&o, "NO_AFFORDABLE_INSTALLMENT")
            .message
            .contains("monthly budget")
    );
}

// ---------------------------------------------------------------------------------------
// Refer rules.

fn referred_by(inputs: &RiskInputs, policy: &RiskPolicy, code: &str) -> RiskOutcome {
    let o = assess(policy, inputs);
    assert_eq!(o.decision, Decision::Refer, "{:#?}", o.reasons);
    assert_eq!(decisive(&o), vec![code], "{:#?}", o.reasons);
    o
}

#[test]
fn a_missing_credit_report_or_score_refers() {
    let mut i = strong();
    i.credit = None;
    let o = referred_by(&i, &policy(), "NO_CREDIT_REPORT");
    // Half the points of each credit factor: 15 + 5 + 2.5.
    assert_eq!(reason(&o, "CREDIT_SCORE").points, Some(dec!(15.0)));
    assert_eq!(reason(&o, "DELINQUENCY_HISTORY").points, Some(dec!(5.0)));
    assert_eq!(reason(&o, "RECENT_INQUIRIES").points, Some(dec!(2.5)));

    let mut i = strong();
    credit(&mut i).score = None;
    let o = referred_by(&i, &policy(), "NO_CREDIT_SCORE");
    assert!(
        reason(&o, "CREDIT_SCORE")
            .message
            .contains("no score for this customer (4 open accounts on file)")
    );

    let mut p = policy();
    p.refer.without_credit_score = false;
    assert_eq!(assess(&p, &i).decision, Decision::Approve);
}

#[test]
fn a_missing_occupation_refers() {
    for occupation in [None, Some("  ".to_owned())] {
        let mut i = strong();
        i.occupation = occupation;
        let o = referred_by(&i, &policy(), "NO_OCCUPATION");
        assert_eq!(reason(&o, "STABILITY").points, Some(dec!(5.0)));
    }
}

#[test]
fn many_recent_inquiries_refer() {
    let mut i = strong();
    credit(&mut i).recent_inquiries = 6;
    assert_eq!(assess(&policy(), &i).decision, Decision::Approve);
    credit(&mut i).recent_inquiries = 7;
    referred_by(&i, &policy(), "INQUIRIES_HIGH");
}

#[test]
fn a_request_beyond_the_limits_refers() {
    let mut i = strong();
    i.requested = Some(RequestedLoan {
        amount: yuan(160_000),
        term_months: 36,
    });
    let o = assess(&policy(), &i);
    assert_eq!(o.decision, Decision::Refer);
    // Above the maximum amount, and its installment is above the budget.
    assert_eq!(
        decisive(&o),
        vec!["AMOUNT_ABOVE_LIMIT", "INSTALLMENT_ABOVE_LIMIT"]
    );
    assert!(reason(&o, "AMOUNT_ABOVE_LIMIT").message.starts_with(
        "The requested 160,000.00 yuan is above the largest loan of 157,234.02 yuan."
    ));

    i.requested = Some(RequestedLoan {
        amount: yuan(10_000),
        term_months: 48,
    });
    referred_by(&i, &policy(), "TERM_ABOVE_LIMIT");

    // Without the refer rule the request only counts against.
    let mut p = policy();
    p.refer.request_above_limits = false;
    let o = assess(&p, &i);
    assert_eq!(o.decision, Decision::Approve);
    assert_eq!(reason(&o, "TERM_ABOVE_LIMIT").effect, Effect::Negative);
}

#[test]
fn an_unaffordable_installment_refers_with_the_resulting_dti() {
    let mut i = strong();
    i.monthly_budget = None;
    i.requested = Some(RequestedLoan {
        amount: yuan(150_000),
        term_months: 12,
    });
    // 150,000 over 12 months at 9 % is about 13,117.72 a month: above the 10,500 affordable.
    let o = referred_by(&i, &policy(), "INSTALLMENT_ABOVE_LIMIT");
    let message = &reason(&o, "INSTALLMENT_ABOVE_LIMIT").message;
    assert!(message.contains("13,117.72 yuan a month"), "{message}");
    assert!(
        message.contains("above the affordable 10,500.00 yuan"),
        "{message}"
    );
    assert!(
        message.contains("58.5 % of income (the limit is 50 %)"),
        "{message}"
    );
}

#[test]
fn grade_d_refers_and_the_refer_grades_are_configurable() {
    let mut p = policy();
    p.refer.grades = vec![];
    assert_eq!(assess(&p, &borderline()).decision, Decision::Approve);
    p.refer.grades = vec![Grade::A];
    referred_by(&strong(), &p, "GRADE_REFER");
}

// ---------------------------------------------------------------------------------------
// Odd inputs and odd policies.

#[test]
fn zero_everything_is_explained_not_a_crash() {
    let i = RiskInputs {
        age: 0,
        monthly_income: Money::ZERO,
        monthly_expenses: Money::ZERO,
        existing_monthly_debt_payments: Money::ZERO,
        assets: Money::ZERO,
        liabilities: Money::ZERO,
        occupation: None,
        credit: None,
        requested: Some(RequestedLoan {
            amount: Money::ZERO,
            term_months: 0,
        }),
        monthly_budget: Some(Money::ZERO),
    };
    let o = assess(&policy(), &i);
    assert_eq!(o.debt_to_income.to_string(), "0.0000");
    assert_eq!(o.decision, Decision::Decline);
    assert_eq!(o.max_installment, Money::ZERO);
    assert_eq!(points_sum(&o), o.score);
    assert!(decisive(&o).contains(&"NO_INCOME"));
    assert!(decisive(&o).contains(&"AGE_BELOW_MIN"));
}

#[test]
fn huge_and_negative_amounts_saturate() {
    let mut i = strong();
    i.monthly_income = Money::MAX;
    i.assets = Money::MAX;
    i.monthly_budget = None;
    i.requested = Some(RequestedLoan {
        amount: Money::MAX,
        term_months: u32::MAX,
    });
    let o = assess(&policy(), &i);
    assert_eq!(o.max_amount, yuan(200_000));
    assert_eq!(o.decision, Decision::Refer);

    let mut i = strong();
    i.monthly_expenses = Money::MIN;
    i.existing_monthly_debt_payments = Money::from_fen(-1);
    i.liabilities = Money::MIN;
    let o = assess(&policy(), &i);
    // Negative amounts are read as zero.
    assert_eq!(o.disposable_income, yuan(25_000));
    assert_eq!(o.debt_to_income.to_string(), "0.0000");

    let mut p = policy();
    p.affordability.absolute_max_amount = None;
    p.affordability.max_amount_income_multiple = Decimal::MAX;
    let mut i = strong();
    i.monthly_income = Money::MAX;
    i.monthly_budget = Some(Money::MAX);
    let o = assess(&p, &i);
    assert!(o.max_amount.is_positive());
}

#[test]
fn an_unvalidated_policy_gives_odd_figures_not_a_crash() {
    let mut p = policy();
    p.grade_bands.clear();
    let o = assess(
        &p,
        &RiskInputs {
            requested: None,
            ..strong()
        },
    );
    assert_eq!(o.grade, Grade::E);
    assert_eq!(o.max_term_months, 0);
    assert_eq!(o.max_amount, Money::ZERO);
    assert_eq!(o.decision, Decision::Refer);
    assert_eq!(decisive(&o), vec!["POLICY_INCOMPLETE"]);

    let mut p = policy();
    p.weights.credit_score = dec!(-5);
    p.weights.stability = dec!(7);
    p.affordability.max_debt_to_income = Decimal::ZERO;
    p.scoring.inquiries_zero_at = 0;
    p.scoring.income_full_at = Money::ZERO;
    p.scoring.credit_score_full_at = p.scoring.credit_score_zero_at;
    p.grade_bands.reverse();
    let o = assess(&p, &strong());
    assert!(o.score >= Decimal::ZERO && o.score <= Decimal::ONE_HUNDRED);
}

// ---------------------------------------------------------------------------------------
// The policy as JSON, and its validation.

#[test]
fn the_default_policy_is_valid_and_round_trips_as_json() {
    let p = policy();
    p.validate().unwrap();
    assert_eq!(RiskPolicy::default(), p);
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["weights"]["creditScore"], "0.30");
    assert_eq!(
        json["gradeBands"][0],
        json!({ "grade": "A", "minScore": "80", "rate": { "min": "0.06", "max": "0.09" }, "maxTermMonths": 36 })
    );
    assert_eq!(json["affordability"]["absoluteMaxAmount"], "200000.00");
    assert_eq!(json["decline"]["gradeE"], "DECLINE");
    assert_eq!(json["refer"]["grades"], json!(["D"]));
    let back: RiskPolicy = serde_json::from_value(json).unwrap();
    assert_eq!(back, p);
}

#[test]
fn the_documented_default_policy_is_the_real_one() {
    let doc = include_str!("../../../docs/risk.md");
    let block = doc
        .split("```json")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/risk.md shows the default policy as JSON");
    let documented: RiskPolicy = serde_json::from_str(block).unwrap();
    assert_eq!(documented, policy());
}

fn default_json() -> Value {
    serde_json::to_value(policy()).unwrap()
}

#[test]
fn the_policy_json_refuses_unknown_fields_and_floats() {
    assert!(serde_json::from_value::<RiskPolicy>(json!({ "nonsense": true })).is_err());
    let mut j = default_json();
    j["decline"]["maxDelinquencies"] = json!(3);
    let err = serde_json::from_value::<RiskPolicy>(j).unwrap_err();
    assert!(err.to_string().contains("maxDelinquencies"), "{err}");
    let mut j = default_json();
    j["weights"]["creditScore"] = json!(0.3);
    assert!(serde_json::from_value::<RiskPolicy>(j).is_err());
    let mut j = default_json();
    j["gradeBands"][0]["rate"]["max"] = json!(0.09);
    assert!(serde_json::from_value::<RiskPolicy>(j).is_err());
    let mut j = default_json();
    j["decline"]["gradeE"] = json!("MAYBE");
    assert!(serde_json::from_value::<RiskPolicy>(j).is_err());
}

/// Edits the default policy's JSON, validates, and returns the refused field path.
fn refused(edit: impl FnOnce(&mut Value)) -> (String, String) {
    let mut j = default_json();
    edit(&mut j);
    let p: RiskPolicy = serde_json::from_value(j).unwrap();
    match p.validate().unwrap_err() {
        DomainError::Validation { field, message } => (field, message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn validation_refuses_nonsense_naming_the_field() {
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(Edit, &str, &str)> = vec![
        (
            Box::new(|j| j["weights"]["creditScore"] = json!("0.35")),
            "policy.weights",
            "they add up to 1.05",
        ),
        (
            Box::new(|j| {
                j["weights"]["creditScore"] = json!("-0.10");
                j["weights"]["debtToIncome"] = json!("0.60");
            }),
            "policy.weights.creditScore",
            "from 0 to 1",
        ),
        (
            Box::new(|j| {
                j["weights"]["creditScore"] = json!("0.2995");
                j["weights"]["debtToIncome"] = json!("0.2005");
            }),
            "policy.weights.creditScore",
            "at most 3 decimals",
        ),
        (
            Box::new(|j| {
                j["gradeBands"].as_array_mut().unwrap().swap(0, 1);
            }),
            "policy.gradeBands",
            "A, B, C, D and E",
        ),
        (
            Box::new(|j| {
                j["gradeBands"].as_array_mut().unwrap().pop();
            }),
            "policy.gradeBands",
            "five grade bands",
        ),
        (
            Box::new(|j| j["gradeBands"][2]["minScore"] = json!("75")),
            "policy.gradeBands[2].minScore",
            "below grade B's (70)",
        ),
        (
            Box::new(|j| j["gradeBands"][4]["minScore"] = json!("10")),
            "policy.gradeBands[4].minScore",
            "must be 0",
        ),
        (
            Box::new(|j| j["gradeBands"][0]["minScore"] = json!("101")),
            "policy.gradeBands[0].minScore",
            "from 0 to 100",
        ),
        (
            Box::new(|j| j["gradeBands"][1]["rate"]["min"] = json!("0.13")),
            "policy.gradeBands[1].rate.min",
            "lowest rate is above its highest",
        ),
        (
            Box::new(|j| {
                j["gradeBands"][4]["rate"]["max"] = json!("0.40");
            }),
            "policy.gradeBands[4].rate.max",
            "cap of 36 %",
        ),
        (
            Box::new(|j| j["gradeBands"][1]["rate"] = json!({ "min": "0.05", "max": "0.12" })),
            "policy.gradeBands[1].rate",
            "must not be priced below grade A",
        ),
        (
            Box::new(|j| j["gradeBands"][0]["maxTermMonths"] = json!(48)),
            "policy.gradeBands[0].maxTermMonths",
            "1 to 36 months",
        ),
        (
            Box::new(|j| j["maxTermMonths"] = json!(0)),
            "policy.maxTermMonths",
            "1 to 360",
        ),
        (
            Box::new(|j| j["affordability"]["maxDebtToIncome"] = json!("1.5")),
            "policy.affordability.maxDebtToIncome",
            "at most 1",
        ),
        (
            Box::new(|j| j["affordability"]["disposableIncomeShare"] = json!("0")),
            "policy.affordability.disposableIncomeShare",
            "above 0",
        ),
        (
            Box::new(|j| j["affordability"]["maxAmountIncomeMultiple"] = json!("1000")),
            "policy.affordability.maxAmountIncomeMultiple",
            "at most 100",
        ),
        (
            Box::new(|j| j["affordability"]["absoluteMaxAmount"] = json!("0.00")),
            "policy.affordability.absoluteMaxAmount",
            "above 0",
        ),
        (
            Box::new(|j| j["decline"]["minAge"] = json!(16)),
            "policy.decline.minAge",
            "at least 18",
        ),
        (
            Box::new(|j| j["decline"]["maxAge"] = json!(20)),
            "policy.decline.maxAge",
            "from the minimum age (22)",
        ),
        (
            Box::new(|j| j["decline"]["minCreditScore"] = json!(950)),
            "policy.decline.minCreditScore",
            "300 to 900",
        ),
        (
            Box::new(|j| j["refer"]["grades"] = json!(["D", "D"])),
            "policy.refer.grades[1]",
            "listed twice",
        ),
        (
            Box::new(|j| j["scoring"]["creditScoreFullAt"] = json!(400)),
            "policy.scoring.creditScoreFullAt",
            "the first below the second",
        ),
        (
            Box::new(|j| j["scoring"]["noCreditDataFraction"] = json!("1.5")),
            "policy.scoring.noCreditDataFraction",
            "from 0 to 1",
        ),
        (
            Box::new(|j| j["scoring"]["disposableShareFullAt"] = json!("0")),
            "policy.scoring.disposableShareFullAt",
            "above 0",
        ),
        (
            Box::new(|j| j["scoring"]["inquiriesZeroAt"] = json!(0)),
            "policy.scoring.inquiriesZeroAt",
            "at least 1",
        ),
        (
            Box::new(|j| j["scoring"]["incomeFullAt"] = json!("0.00")),
            "policy.scoring.incomeFullAt",
            "above 0",
        ),
        (
            Box::new(|j| j["scoring"]["netWorthFullAt"] = json!("-1.00")),
            "policy.scoring.netWorthFullAt",
            "above 0",
        ),
        (
            Box::new(|j| j["scoring"]["primeAgeFrom"] = json!(55)),
            "policy.scoring.primeAgeTo",
            "not after the second",
        ),
    ];
    for (edit, field, message) in cases {
        let (f, m) = refused(edit);
        assert_eq!(f, field, "{m}");
        assert!(m.contains(message), "{field}: {m}");
    }
}

#[test]
fn weights_with_three_decimals_that_add_up_are_accepted() {
    let mut p = policy();
    p.weights.credit_score = dec!(0.125);
    p.weights.debt_to_income = dec!(0.375);
    p.weights.affordability = dec!(0.100);
    p.weights.delinquency_history = dec!(0.1);
    p.weights.recent_inquiries = dec!(0.05);
    p.weights.stability = dec!(0.1);
    p.weights.net_worth = dec!(0.05);
    p.weights.age_band = dec!(0.1);
    p.validate().unwrap();
    let best = RiskInputs {
        credit: Some(CreditFacts {
            score: Some(900),
            open_accounts: 1,
            delinquencies_24m: 0,
            recent_inquiries: 0,
            active_delinquency: false,
        }),
        existing_monthly_debt_payments: Money::ZERO,
        ..strong()
    };
    let o = assess(&p, &best);
    assert_eq!(o.score, dec!(100.0));
    assert!(
        reason(&o, "CREDIT_SCORE")
            .message
            .contains("of 12.5 points")
    );
}

// ---------------------------------------------------------------------------------------
// Properties.

fn money() -> impl Strategy<Value = Money> {
    prop_oneof![
        4 => (0i64..500_000_000).prop_map(Money::from_fen),
        1 => any::<i64>().prop_map(Money::from_fen),
        1 => Just(Money::ZERO),
        1 => Just(Money::MAX),
    ]
}

prop_compose! {
    fn credit_facts()(
        score in proptest::option::of(prop_oneof![250u16..950, any::<u16>()]),
        open_accounts in any::<u32>(),
        delinquencies_24m in prop_oneof![0u32..10, any::<u32>()],
        recent_inquiries in prop_oneof![0u32..15, any::<u32>()],
        active_delinquency in any::<bool>(),
    ) -> CreditFacts {
        CreditFacts { score, open_accounts, delinquencies_24m, recent_inquiries, active_delinquency }
    }
}

prop_compose! {
    fn inputs()(
        age in prop_oneof![18u32..75, any::<u32>()],
        monthly_income in money(),
        monthly_expenses in money(),
        existing_monthly_debt_payments in money(),
        assets in money(),
        liabilities in money(),
        occupation in proptest::option::of("[ a-z]{0,12}"),
        credit in proptest::option::of(credit_facts()),
        requested in proptest::option::of((money(), prop_oneof![0u32..400, any::<u32>()])),
        monthly_budget in proptest::option::of(money()),
    ) -> RiskInputs {
        RiskInputs {
            age,
            monthly_income,
            monthly_expenses,
            existing_monthly_debt_payments,
            assets,
            liabilities,
            occupation,
            credit,
            requested: requested.map(|(amount, term_months)| RequestedLoan { amount, term_months }),
            monthly_budget,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn any_inputs_give_a_sound_outcome(i in inputs()) {
        let o = assess(&policy(), &i);
        prop_assert!(o.score >= Decimal::ZERO && o.score <= Decimal::ONE_HUNDRED);
        prop_assert_eq!(o.score.scale(), 1);
        prop_assert_eq!(points_sum(&o), o.score);
        prop_assert_eq!(o.debt_to_income.scale(), 4);
        prop_assert!(o.debt_to_income >= Decimal::ZERO && o.debt_to_income <= Decimal::TEN);
        prop_assert!(!o.max_installment.is_negative());
        prop_assert!(!o.max_amount.is_negative());
        prop_assert!(o.max_amount <= yuan(200_000));
        prop_assert!(o.max_term_months <= 36);
        prop_assert!(o.rate_range.0 <= o.rate_range.1);
        if i.credit.is_some_and(|c| c.active_delinquency) {
            prop_assert_eq!(o.decision, Decision::Decline);
        }
        if o.decision == Decision::Approve {
            prop_assert!(o.max_installment.is_positive());
            prop_assert!(decisive(&o).is_empty());
        } else {
            prop_assert!(!decisive(&o).is_empty());
        }
        prop_assert!(o.reasons.iter().all(|r| !r.message.is_empty()));
        prop_assert_eq!(o.reasons.last().map(|r| r.code), Some("DECISION"));
    }

    #[test]
    fn a_better_credit_score_never_lowers_the_score(i in inputs(), a in 300u16..=900, b in 300u16..=900) {
        let (low, high) = (a.min(b), a.max(b));
        let with = |score| {
            let mut i = i.clone();
            let facts = i.credit.get_or_insert(CreditFacts {
                score: None,
                open_accounts: 1,
                delinquencies_24m: 0,
                recent_inquiries: 0,
                active_delinquency: false,
            });
            facts.score = Some(score);
            assess(&policy(), &i)
        };
        prop_assert!(with(low).score <= with(high).score);
    }

    #[test]
    fn more_debt_never_raises_the_score_or_the_limits(i in inputs(), extra in 0i64..100_000_000) {
        let mut more = i.clone();
        more.existing_monthly_debt_payments = i.existing_monthly_debt_payments.max(Money::ZERO) + Money::from_fen(extra);
        let (a, b) = (assess(&policy(), &i), assess(&policy(), &more));
        prop_assert!(b.score <= a.score);
        prop_assert!(b.max_installment <= a.max_installment);
    }

    #[test]
    fn any_policy_numbers_never_panic(
        i in inputs(),
        weights in proptest::collection::vec(-2i64..200, 8),
        multiple in any::<i64>(),
        dti in any::<i64>(),
        share in any::<i64>(),
        term in any::<u32>(),
        zero_at in any::<u16>(),
        full_at in any::<u16>(),
        min_score in -1000i64..1000,
        rate_max in 0u32..100,
    ) {
        let mut p = policy();
        let w = |k: usize| Decimal::new(weights[k], 2);
        p.weights = FactorWeights {
            credit_score: w(0),
            debt_to_income: w(1),
            affordability: w(2),
            delinquency_history: w(3),
            recent_inquiries: w(4),
            stability: w(5),
            net_worth: w(6),
            age_band: w(7),
        };
        p.affordability.max_amount_income_multiple = Decimal::new(multiple, 2);
        p.affordability.max_debt_to_income = Decimal::new(dti, 4);
        p.affordability.disposable_income_share = Decimal::new(share, 4);
        p.max_term_months = term;
        p.grade_bands[0].max_term_months = term;
        p.grade_bands[1].min_score = Decimal::new(min_score, 1);
        p.grade_bands[0].rate.max = Rate::new(Decimal::new(i64::from(rate_max), 1)).unwrap();
        p.scoring.credit_score_zero_at = zero_at;
        p.scoring.credit_score_full_at = full_at;
        let _ = p.validate();
        let o = assess(&p, &i);
        prop_assert!(o.score >= Decimal::ZERO && o.score <= Decimal::ONE_HUNDRED);
        prop_assert!(!o.max_installment.is_negative());
        if i.credit.is_some_and(|c| c.active_delinquency) {
            prop_assert_eq!(o.decision, Decision::Decline);
        }
    }
}
