//! Real HTTP servers standing in for outside parties in tests and demos.
//!
//! A simulator speaks the real protocol over real sockets — signing, status codes, wire
//! format — so a test through it exercises the same client code as production, and its
//! faults (outages, slowness, garbage, forged signatures) can be switched on at runtime to
//! prove the client's answers to them. Compiled only with the `simulator` feature; never
//! part of a production build.
//!
//! * [`credit_bureau`] — a credit bureau (`/v1/credit-reports`) with deterministic profiles;
//! * [`partner`] — a partner installment platform (every path of the platform protocol,
//!   idempotent money movements, statements, signed callbacks).

pub mod credit_bureau;
pub mod partner;
