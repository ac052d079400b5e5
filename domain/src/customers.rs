//! Stage 1, needs analysis: who the customer is (profile), what they allowed the bank to do
//! with their data (consent), their money (financial status, bank accounts), how they want
//! to repay (preferences), their credit record, and their rights over their data.

pub mod access;
pub mod bank_accounts;
pub mod consent;
pub mod credit;
pub mod data_rights;
pub mod finance;
pub mod identity;
pub mod identity_conflicts;
pub mod profile;
pub mod reads;
pub mod reveal;
pub mod search;

pub use bank_accounts::{BankAccountView, NewBankAccount};
pub use consent::{ConsentPurpose, ConsentText, ConsentView};
pub use credit::CreditReportView;
pub use finance::{
    Channel, FinancialStatusInput, FinancialStatusView, PreferencesInput, PreferencesView,
};
pub use identity_conflicts::{IdentityConflictView, IdentityField};
pub use profile::{CustomerView, ProfileInput};
pub use reads::{CustomerGrant, CustomerRead};
pub use reveal::RevealField;
pub use search::{CustomerSearch, CustomerSummary};
