//! Stage 6, after-care: what the bank does for a customer once a plan is signed. Tickets
//! with service levels and their escalation, customer education, follow-ups and
//! satisfaction so far; campaigns and the dashboard are to come (issue 12).

pub mod article_text;
pub mod articles;
mod assignment;
pub mod escalation;
pub mod follow_up_rules;
pub mod follow_ups;
pub mod recommend;
pub mod ticket_input;
pub mod ticket_rules;
pub mod tickets;
