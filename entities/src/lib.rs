//! sea-orm models, one file per table. These are storage shapes only: the rules that give
//! the columns their meaning (money in fen, instants in epoch milliseconds, encrypted
//! personal data) live in `domain`.

pub mod account;
pub mod agreement;
pub mod agreement_signature;
pub mod application_transition;
pub mod article;
pub mod article_read;
pub mod audit_entry;
pub mod audit_head;
pub mod consent;
pub mod contact_log;
pub mod credit_report;
pub mod customer;
pub mod customer_bank_account;
pub mod customer_preference;
pub mod debit_attempt;
pub mod disclosure_consent;
pub mod financial_status;
pub mod identity_conflict;
pub mod installment_application;
pub mod installment_plan;
pub mod installment_platform;
pub mod job_run;
pub mod ledger_account;
pub mod ledger_entry;
pub mod ledger_posting;
pub mod login_throttle;
pub mod outbox_message;
pub mod payment_request;
pub mod plan_entry;
pub mod plan_payment;
pub mod platform_disclosure;
pub mod platform_event;
pub mod platform_payment;
pub mod proposal;
pub mod reconciliation_item;
pub mod reconciliation_report;
pub mod retained_identity;
pub mod risk_assessment;
pub mod risk_policy;
pub mod schedule_version;
pub mod session;
pub mod signing_code;
pub mod ticket;
pub mod ticket_message;
