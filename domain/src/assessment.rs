//! Risk assessment as a use case: versioned risk policies under maker-checker control, and
//! assessments that gather a customer's inputs, apply the active policy (the pure rules in
//! [`crate::risk`]) and keep the result with every reason and the policy version.

pub mod assess;
pub mod policies;

pub use assess::{AssessmentView, LoanRequest};
pub use policies::{PolicyStatus, PolicyView};
