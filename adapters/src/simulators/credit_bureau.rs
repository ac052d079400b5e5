//! A credit bureau over real HTTP, for tests and demos.
//!
//! [`BureauSimulator::start`] binds `127.0.0.1:0` (a free port) and serves
//! `POST /v1/credit-reports` in the wire format of
//! [`crate::credit_bureau::http::wire`], exactly as [`crate::credit_bureau::http`]
//! expects a real bureau to:
//!
//! * the request signature is verified with the shared secret and the default replay
//!   window; a missing, garbled, stale or wrong signature gets `401` with a JSON error
//!   (`missing_signature`, `malformed_signature`, `replayed`, `bad_signature`), a missing
//!   `X-Fenqi-Client` too (`unknown_client`);
//! * an unparseable body or an invalid ID number gets `400` (`bad_request`,
//!   `invalid_id_number`);
//! * otherwise the answer is the deterministic report of the profile the ID number's 17th
//!   digit selects (see [`Profile`]), dated now, echoing the request id, signed with the
//!   shared secret. Error answers are signed too.
//!
//! Faults are switched at runtime with [`SimulatorHandle::set_mode`]; every request that
//! reaches the endpoint, refused or not, is counted in [`SimulatorHandle::requests`].
//!
//! The server runs on the caller's tokio runtime (one actix worker thread), so it works
//! inside `#[tokio::test]`; it stops on [`SimulatorHandle::stop`] or when the handle is
//! dropped.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

use crate::credit_bureau::http::wire::CREDIT_REPORTS_PATH;

mod profiles;
mod routes;

pub use profiles::Profile;

/// How the simulated bureau behaves, switchable while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimulatorMode {
    /// Answers as a healthy bureau.
    #[default]
    Normal,
    /// Answers every request with this status (e.g. 503, 429, 500) and a JSON error,
    /// before looking at it.
    Outage(u16),
    /// Waits this long before handling each request, then answers normally: for client
    /// timeouts.
    Slow(Duration),
    /// Answers 200 with a correctly signed body that is not JSON.
    Malformed,
    /// Answers a correct report signed with the wrong key.
    BadSignature,
}

/// State shared between the handle and the request handler.
#[derive(Debug)]
struct Shared {
    secret: String,
    mode: Mutex<SimulatorMode>,
    requests: AtomicU64,
}

impl Shared {
    fn mode(&self) -> SimulatorMode {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_mode(&self, mode: SimulatorMode) {
        *self.mode.lock().unwrap_or_else(PoisonError::into_inner) = mode;
    }

    fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::SeqCst);
    }
}

/// Starts simulated credit bureaus.
#[derive(Debug, Clone, Copy)]
pub struct BureauSimulator;

impl BureauSimulator {
    /// Starts a simulated bureau sharing `secret` with its clients, on a free loopback
    /// port, in [`SimulatorMode::Normal`]. Must be called inside a tokio runtime; fails
    /// only when no port can be bound.
    pub async fn start(secret: impl Into<String>) -> io::Result<SimulatorHandle> {
        let shared = web::Data::new(Shared {
            secret: secret.into(),
            mode: Mutex::new(SimulatorMode::Normal),
            requests: AtomicU64::new(0),
        });
        let app_state = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .route(CREDIT_REPORTS_PATH, web::post().to(routes::credit_reports))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(("127.0.0.1", 0))?;
        let address = server.addrs().first().copied().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                "the simulator bound no address",
            )
        })?;
        let server = server.run();
        let control = server.handle();
        let task = tokio::spawn(server);
        tracing::debug!(%address, "credit bureau simulator started");
        Ok(SimulatorHandle {
            base_url: format!("http://{address}"),
            shared,
            control,
            task: Some(task),
        })
    }
}

/// A running simulated bureau: its address, its fault switch and its request counter.
/// Dropping it stops the server.
#[derive(Debug)]
pub struct SimulatorHandle {
    base_url: String,
    shared: web::Data<Shared>,
    control: ServerHandle,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl SimulatorHandle {
    /// The base URL to configure clients with (`http://127.0.0.1:<port>`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Switches the behaviour for the requests that follow.
    pub fn set_mode(&self, mode: SimulatorMode) {
        self.shared.set_mode(mode);
    }

    /// The current behaviour.
    pub fn mode(&self) -> SimulatorMode {
        self.shared.mode()
    }

    /// How many requests reached the endpoint so far, refused ones included: lets tests
    /// prove that a report was reused instead of fetched again.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Stops the server, letting requests in flight finish (up to one second), and waits
    /// until the port is released.
    pub async fn stop(mut self) {
        self.control.stop(true).await;
        if let Some(task) = self.task.take() {
            // The server's own result does not matter once it has stopped.
            let _ = task.await;
        }
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        if self.task.take().is_some() {
            // Sending the stop command happens here, synchronously; the returned future
            // only waits for completion, which a destructor cannot do.
            drop(self.control.stop(false));
        }
    }
}
