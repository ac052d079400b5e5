//! Real HTTP servers standing in for outside parties in tests and demos.
//!
//! A simulator speaks the real protocol over real sockets — signing, status codes, wire
//! format — so a test through it exercises the same client code as production, and its
//! faults (outages, slowness, garbage, forged signatures) can be switched on at runtime to
//! prove the client's answers to them. Compiled only with the `simulator` feature; never
//! part of a production build.

pub mod credit_bureau;
