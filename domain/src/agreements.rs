//! Stage 4: the agreement a customer signs. So far: the amount in Chinese capital
//! numerals ([`capital`]) every agreement states beside the figures, the document
//! rendered from a versioned template ([`render`]), and issuing, reading and verifying it
//! (`issue.rs`).

pub mod capital;
mod issue;
pub mod opening;
pub mod render;
pub mod signing;

pub use issue::{AgreementView, Verification};
