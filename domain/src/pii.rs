//! Personal data protection: encryption at rest, keyed hashes for exact lookup, and the
//! parsed, maskable types of the personal data Fenqi holds.

pub mod bank_card;
pub mod email;
pub mod id_number;
pub mod keyring;
pub mod mask;
pub mod mobile;

pub use bank_card::{BankCardNumber, CardCheck};
pub use email::EmailAddress;
pub use id_number::IdNumber;
pub use keyring::{KeyRing, KeyRingError};
pub use mobile::MobileNumber;
