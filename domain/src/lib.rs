//! The business of Fenqi: exact money, repayment schedules and their APR, the rules of
//! accounts, audit and risk, and the use cases that change state inside one database
//! transaction. `api` and `worker` are thin transports over this crate.

pub mod aftercare;
pub mod agreements;
pub mod applications;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod calculator;
pub mod clock;
pub mod customers;
pub mod db;
pub mod error;
pub mod fleet_topic;
pub mod jobs;
pub mod money;
pub mod negotiation;
pub mod notices;
pub mod ops;
pub mod page;
pub mod pii;
pub mod platforms;
pub mod rate;
pub mod repayment;
pub mod risk;
pub mod schedule;
pub mod service;
pub mod settings;

pub use error::{DomainError, DomainResult};
pub use service::{Domain, Ports};
pub use settings::DomainSettings;
