//! Stage 6, after-care: what the bank does for a customer once a plan is signed. Tickets
//! with service levels and their escalation, customer education, follow-ups and
//! satisfaction, bulk follow-up campaigns over a segment, and the staff dashboard.

pub mod article_text;
pub mod articles;
mod assignment;
pub mod campaign_rules;
pub mod campaign_run;
pub mod campaign_updates;
pub mod campaigns;
pub mod dashboard;
pub mod escalation;
pub mod follow_up_rules;
pub mod follow_ups;
pub mod recommend;
pub mod segment;
pub mod ticket_input;
pub mod ticket_rules;
pub mod tickets;
