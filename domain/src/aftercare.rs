//! Stage 6, after-care: what the bank does for a customer once a plan is signed. Tickets
//! with service levels and their escalation, and customer education so far; follow-ups,
//! campaigns and the dashboard are to come (issue 12).

pub mod article_text;
pub mod articles;
pub mod escalation;
pub mod recommend;
pub mod ticket_input;
pub mod ticket_rules;
pub mod tickets;
