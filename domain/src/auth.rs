//! Accounts, roles, passwords and sessions: who is calling and what they may do.

pub mod accounts;
pub mod caller;
pub mod client_throttle;
pub mod login;
pub mod password;
pub mod permissions;
pub mod role;
pub mod session_cache;
pub mod sessions;
pub mod token;

pub use accounts::SessionIssued;
pub use accounts::{AccountStatus, AccountView, NewCustomer, NewStaff, StaffCreated};
pub use caller::{Actor, Authenticated, Caller, RequestMeta};
pub use password::Password;
pub use permissions::Permission;
pub use role::Role;
