//! Demo data: staff of every role and a few customers, so a newcomer can walk the whole
//! flow from GraphiQL. Loaded automatically into a new embedded database, or on demand
//! with `fenqi seed-demo`; running it twice changes nothing.

use domain::auth::{Caller, NewCustomer, NewStaff, Role};
use domain::{Domain, DomainError, DomainResult};

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
    for login in CUSTOMERS {
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
        skip_existing(result.map(|_| ()))?;
    }
    Ok(())
}

fn skip_existing(result: DomainResult<()>) -> DomainResult<()> {
    match result {
        Err(DomainError::Conflict(_)) => Ok(()),
        other => other,
    }
}
