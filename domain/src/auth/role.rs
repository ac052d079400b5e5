//! The roles of the bank's users. Every private GraphQL field names the roles it serves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account is allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A borrower using the web or mobile client.
    Customer,
    /// Front-line staff: needs analysis, contact log, negotiation, follow-ups, tickets.
    Agent,
    /// Risk policies and approvals beyond the automatic limits.
    RiskOfficer,
    /// Staff accounts, platforms and products.
    Admin,
    /// Read-only access, including the audit trail.
    Auditor,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 5] = [
        Role::Customer,
        Role::Agent,
        Role::RiskOfficer,
        Role::Admin,
        Role::Auditor,
    ];

    /// The roles held by the bank's staff.
    pub const STAFF: [Role; 4] = [Role::Agent, Role::RiskOfficer, Role::Admin, Role::Auditor];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::RiskOfficer => "risk_officer",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    /// True for every role but `customer`.
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role '{s}'; roles are customer, agent, risk_officer, admin, auditor"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
        assert!(!Role::Customer.is_staff());
        assert!(Role::STAFF.iter().all(|r| r.is_staff()));
    }
}
