//! Stage 4: the agreement a customer signs. So far: the amount in Chinese capital
//! numerals ([`capital`]) every agreement states beside the figures, the document
//! rendered from a versioned template ([`render`]), and issuing, reading and verifying it
//! (`issue.rs`); the same words as a PDF in an embedded CJK font ([`pdf`], served by
//! `print.rs`).

pub mod capital;
mod issue;
pub mod opening;
pub mod pdf;
mod print;
pub mod render;
pub mod signing;

pub use issue::{AgreementView, Verification};
pub use print::AgreementPdf;
