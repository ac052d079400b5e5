//! Demo data: staff of every role and a few customers, so a newcomer can walk the whole
//! flow from GraphiQL. Loaded automatically into a new embedded database, or on demand
//! with `fenqi seed-demo`; running it twice changes nothing.

use std::sync::Arc;

use chrono::NaiveTime;
use domain::auth::{Actor, Caller, NewCustomer, NewStaff, RequestMeta, Role};
use domain::customers::{
    Channel, ConsentPurpose, FinancialStatusInput, NewBankAccount, PreferencesInput, ProfileInput,
};
use domain::{Domain, DomainError, DomainResult};
use rust_decimal::Decimal;

/// One demo login, printed at start-up.
#[derive(Debug, Clone, Copy)]
pub struct DemoLogin {
    /// What to type as the login.
    pub login: &'static str,
    /// The password.
    pub password: &'static str,
    /// Who this is.
    pub who: &'static str,
}

/// The staff accounts of the demo.
pub const STAFF: [(DemoLogin, Role); 4] = [
    (
        DemoLogin {
            login: "admin@fenqi.demo",
            password: "demo-admin-pass",
            who: "admin (Wang Fang)",
        },
        Role::Admin,
    ),
    (
        DemoLogin {
            login: "agent@fenqi.demo",
            password: "demo-agent-pass",
            who: "agent (Liu Yang)",
        },
        Role::Agent,
    ),
    (
        DemoLogin {
            login: "risk@fenqi.demo",
            password: "demo-risk-pass",
            who: "risk officer (Chen Jing)",
        },
        Role::RiskOfficer,
    ),
    (
        DemoLogin {
            login: "auditor@fenqi.demo",
            password: "demo-auditor-pass",
            who: "auditor (Zhao Lei)",
        },
        Role::Auditor,
    ),
];

/// The customer accounts of the demo.
pub const CUSTOMERS: [DemoLogin; 2] = [
    DemoLogin {
        login: "13800138001",
        password: "demo-customer-pass",
        who: "customer (Zhang Wei)",
    },
    DemoLogin {
        login: "13800138002",
        password: "demo-customer-pass",
        who: "customer (Li Na)",
    },
];

/// Every demo login.
pub fn logins() -> Vec<DemoLogin> {
    STAFF.iter().map(|(l, _)| *l).chain(CUSTOMERS).collect()
}

fn name_of(who: &str) -> String {
    who.split_once('(')
        .map(|(_, rest)| rest.trim_end_matches(')').to_owned())
        .unwrap_or_else(|| who.to_owned())
}

/// Loads the demo data; existing demo accounts are left as they are.
pub async fn seed(domain: &Domain) -> DomainResult<()> {
    let caller = Caller::system("seed-demo");
    for (login, role) in STAFF {
        let result = domain
            .create_staff(
                NewStaff {
                    display_name: name_of(login.who),
                    email: login.login.into(),
                    role,
                    password: Some(login.password.into()),
                },
                &caller,
            )
            .await;
        skip_existing(result.map(|_| ()))?;
    }
    for (index, login) in CUSTOMERS.iter().enumerate() {
        let result = domain
            .register_customer(
                NewCustomer {
                    display_name: name_of(login.who),
                    mobile: Some(login.login.into()),
                    email: None,
                    password: login.password.into(),
                },
                &caller,
            )
            .await;
        match result {
            Ok(session) => {
                let customer = Caller::account(
                    Actor {
                        account_id: session.account.id,
                        role: Role::Customer,
                    },
                    RequestMeta::default(),
                );
                seed_profile(domain, &customer, index == 0, &name_of(login.who)).await?;
            }
            Err(DomainError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    crate::partners::register_demo_partners(domain).await?;
    crate::demo_articles::seed(domain).await?;
    Ok(())
}

/// A profile as the customer would fill it in the app; the first demo customer completes
/// the whole needs analysis, the second stops after the profile.
async fn seed_profile(
    domain: &Domain,
    caller: &Caller,
    complete: bool,
    name: &str,
) -> DomainResult<()> {
    let profile = domain
        .create_customer(
            ProfileInput {
                full_name: Some(name.into()),
                occupation: Some(
                    if complete {
                        "Software engineer"
                    } else {
                        "Teacher"
                    }
                    .into(),
                ),
                monthly_income: Some(Decimal::new(if complete { 1_800_000 } else { 900_000 }, 2)),
                ..ProfileInput::default()
            },
            caller,
        )
        .await?;
    if !complete {
        return Ok(());
    }
    for purpose in ConsentPurpose::ALL {
        let text = domain
            .consent_texts()
            .iter()
            .find(|t| t.purpose == purpose && t.language == "zh-CN")
            .ok_or_else(|| DomainError::Internal("a consent text is missing".into()))?;
        domain
            .give_consent(profile.id, purpose, &text.hash(), caller)
            .await?;
    }
    domain
        .update_customer(
            profile.id,
            ProfileInput {
                id_number: Some(DEMO_ID_NUMBER.into()),
                employer: Some("Demo Technology Co., Ltd.".into()),
                address: Some("北京市朝阳区建国路 1 号".into()),
                ..ProfileInput::default()
            },
            caller,
        )
        .await?;
    domain
        .set_financial_status(
            profile.id,
            FinancialStatusInput {
                assets: Decimal::new(35_000_000, 2),
                liabilities: Decimal::new(6_000_000, 2),
                monthly_expenses: Decimal::new(500_000, 2),
                monthly_debt_payments: Decimal::new(150_000, 2),
            },
            caller,
        )
        .await?;
    domain
        .set_preferences(
            profile.id,
            PreferencesInput {
                frequency: domain::schedule::Frequency::Monthly,
                preferred_term_months: 12,
                payment_day: 10,
                max_monthly_budget: Some(Decimal::new(400_000, 2)),
                channels: vec![Channel::App, Channel::Sms],
                quiet_hours_start: NaiveTime::from_hms_opt(21, 30, 0),
                quiet_hours_end: NaiveTime::from_hms_opt(8, 0, 0),
            },
            caller,
        )
        .await?;
    domain
        .add_bank_account(
            profile.id,
            NewBankAccount {
                bank_name: "中国工商银行".into(),
                card_number: "6222020200112233445".into(),
            },
            caller,
        )
        .await?;
    // Money in the repayment account on the bank's own ledger, so the demo's automatic
    // debits (and `advanceClock`) have something to collect.
    let clock = domain.clock().clone();
    adapters::platforms::InternalPlatform::new(domain.db().clone(), Arc::new(move || clock.now()))
        .deposit(
            &format!("demo-salary:{}", profile.id),
            profile.id,
            DEMO_DEPOSIT_FEN,
        )
        .await
        .map_err(|e| DomainError::Internal(format!("the demo deposit: {e}")))?;
    Ok(())
}

/// What the first demo customer holds in their repayment account: 30,000.00 yuan.
const DEMO_DEPOSIT_FEN: i64 = 3_000_000;

/// A made-up but well-formed resident ID number (GB 11643 check digit) for the demo.
const DEMO_ID_NUMBER: &str = "110105199003071239";

/// Demo accounts that already exist are left alone.
fn skip_existing(result: DomainResult<()>) -> DomainResult<()> {
    match result {
        Err(DomainError::Conflict(_)) => Ok(()),
        other => other,
    }
}
