//! How a simulated partner is set up: who it is, the secret it shares with us, what it
//! sells, where it listens and whose clock it reads. Tests pass their own movable clock so
//! that request timestamps, statement dates and callback signatures follow the test, not
//! the wall.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::platforms::messages::Product;
use crate::secret::Secret;

use super::catalogue::DemoCatalogue;

/// The simulator's clock: a function, so tests can move time instead of sleeping.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The balance (fen) every new plan's account starts with unless a test sets another:
/// 100,000 yuan, more than any demo installment, so collects succeed by default.
pub const DEFAULT_BALANCE_FEN: i64 = 10_000_000;

/// Everything a simulated partner needs to start.
#[derive(Clone)]
pub struct PartnerSimConfig {
    /// The platform code (`partner-a`); its initials prefix plan references (`PA-000001`).
    pub code: String,
    /// The shared HMAC secret: verifies our requests, signs its answers and callbacks.
    pub secret: Secret,
    /// Its own catalogue, answered at `/v1/products` and used to price and open plans.
    pub products: Vec<Product>,
    /// Where to listen: `127.0.0.1:0` (a free port) for tests, a fixed port for demos.
    pub bind: SocketAddr,
    /// Its clock: request timestamps are checked against it, answers, callbacks and
    /// movements are dated by it.
    pub now: Clock,
    /// The balance each new plan's account starts with, in fen.
    pub initial_balance_fen: i64,
    /// Where callbacks go, if anywhere yet (also settable on the handle).
    pub callback_url: Option<String>,
    /// Whether a payment callback is sent by itself after every new collect or
    /// prepayment (and a status callback after a cancellation), as a real partner does.
    pub auto_callbacks: bool,
}

impl PartnerSimConfig {
    /// A partner selling `products`, on a free loopback port, on the wall clock, without
    /// callbacks.
    pub fn new(code: impl Into<String>, secret: impl Into<Secret>, products: Vec<Product>) -> Self {
        Self {
            code: code.into(),
            secret: secret.into(),
            products,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            now: Arc::new(Utc::now),
            initial_balance_fen: DEFAULT_BALANCE_FEN,
            callback_url: None,
            auto_callbacks: false,
        }
    }

    /// A partner selling one of the two demo catalogues (see [`DemoCatalogue`]), so demos
    /// and end-to-end tests have two partners that price differently.
    pub fn demo(
        code: impl Into<String>,
        secret: impl Into<Secret>,
        variant: DemoCatalogue,
    ) -> Self {
        Self::new(code, secret, variant.products())
    }

    /// The same settings on another clock.
    pub fn with_clock(mut self, now: Clock) -> Self {
        self.now = now;
        self
    }

    /// The same settings on another address.
    pub fn with_bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }
}

impl fmt::Debug for PartnerSimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartnerSimConfig")
            .field("code", &self.code)
            .field("secret", &self.secret)
            .field("products", &self.products.len())
            .field("bind", &self.bind)
            .field("initial_balance_fen", &self.initial_balance_fen)
            .field("callback_url", &self.callback_url)
            .field("auto_callbacks", &self.auto_callbacks)
            .finish_non_exhaustive()
    }
}
