//! Stage 6, after-care: what the bank does for a customer once a plan is signed. Tickets
//! with service levels and their escalation so far; follow-ups, education, campaigns and
//! the dashboard are to come (issue 12).

pub mod escalation;
pub mod ticket_input;
pub mod ticket_rules;
pub mod tickets;
