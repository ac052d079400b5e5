//! Stage 6, after-care: what the bank does for a customer once a plan is signed. Tickets
//! with service levels and their escalation, customer education, follow-ups and
//! satisfaction, and the staff dashboard so far; campaigns are to come (issue 12).

pub mod article_text;
pub mod articles;
mod assignment;
pub mod dashboard;
pub mod escalation;
pub mod follow_up_rules;
pub mod follow_ups;
pub mod recommend;
pub mod ticket_input;
pub mod ticket_rules;
pub mod tickets;
