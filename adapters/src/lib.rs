//! Everything in Fenqi that talks to the outside world.
//!
//! The business (`domain`) must not know whether a credit report came from an external
//! bureau over HTTPS or from the bank's own ledger, nor how a partner spells its JSON. So
//! each outside party is a **port** — a trait with its own message types — and each way
//! of reaching it is one module implementing that trait, with its own wire format,
//! transformers and signature checks. The business depends on the trait; the launcher
//! picks the implementation from configuration; tests swap in simulators that speak the
//! real protocol over real sockets.
//!
//! * [`signed_http`] — the one pipeline for calling a partner over HTTP (signing, timeouts,
//!   retries, answer checks, error sorting) that every HTTP port shares.
//! * [`secret`] — a string that no `Debug` or log line can print.
//! * [`signing`] — HMAC-SHA256 signing and verification of messages crossing the bank's
//!   boundary, in both directions (requests we send, answers and callbacks we receive).
//! * [`credit_bureau`] — the CreditBureau port and its HTTP implementation.
//! * [`platforms`] — the InstallmentPlatform port: the bank's own ledger and partner
//!   platforms over signed HTTP behind a circuit breaker.
//! * [`notifier`] — the Notifier port: e-mail over SMTP, text messages through an HTTP
//!   gateway, or nowhere (the outbox keeps them).
//! * [`rate_limit`] — the counters behind rate limits: in memory, or shared in Redis.
//! * [`broadcast`] — short messages every API process hears (session invalidations): in
//!   this process, or through Redis publish/subscribe.
//! * `simulators` (feature `simulator`) — real HTTP servers standing in for partners in
//!   tests and demos, with fault injection.

pub mod broadcast;
pub mod credit_bureau;
pub mod notifier;
pub mod platforms;
pub mod rate_limit;
pub mod secret;
pub mod signed_http;
pub mod signing;

#[cfg(feature = "simulator")]
pub mod simulators;
