//! Personal data protection: encryption at rest, keyed hashes for exact lookup, and the
//! parsed, maskable types of the personal data Fenqi holds.

pub mod email;
pub mod keyring;
pub mod mask;
pub mod mobile;

pub use email::EmailAddress;
pub use keyring::{KeyRing, KeyRingError};
pub use mobile::MobileNumber;
