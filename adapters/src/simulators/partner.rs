//! A partner installment platform over real HTTP, for tests and demos.
//!
//! [`PartnerSimulator::start`] serves every path of [`crate::platforms::http::wire`]
//! exactly as [`crate::platforms::http::HttpPlatform`] expects a real partner to: requests
//! are verified with the shared secret on the simulator's clock and the default replay
//! window, every answer (errors included) is signed, a repeated idempotency key answers
//! its first outcome and never moves money twice. So a test through it exercises the
//! production client, its retries, its breaker and its signature checks over real
//! sockets.
//!
//! * `config.rs` — [`PartnerSimConfig`]: code, secret, catalogue, address, clock;
//! * `catalogue.rs` — the two demo catalogues ([`DemoCatalogue`]);
//! * `book.rs` — plans, accounts, movements, idempotency records, statements;
//! * `routes.rs` — the paths, the checks and the request faults;
//! * `faults.rs` — [`Fault`] (our requests) and [`CallbackFault`] (its callbacks);
//! * `statements.rs` — daily statements and the mismatches planted in them;
//! * `callbacks.rs` — signed callbacks to our callback URL;
//! * `sms.rs` — the SMS gateway it also runs, for the notifier's text messages.
//!
//! Statements are per date in China Standard Time (UTC+8) of the simulator's clock. Tests read and adjust the books
//! through the [`PartnerHandle`] (balances, movements, planted statement mismatches) and
//! switch faults at runtime. The server runs on the caller's tokio runtime with one actix
//! worker; it stops on [`PartnerHandle::stop`] or when the handle is dropped.

mod book;
mod callbacks;
mod catalogue;
mod config;
mod faults;
mod routes;
mod sms;
mod statements;

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

use crate::platforms::callback::CallbackEvent;
use crate::platforms::http::wire;
use crate::platforms::messages::{OpenPlanRequest, PlanState, PlanStatus, StatementLine};
use crate::secret::Secret;

pub use book::{BookRefusal, Movement, MovementKind};
pub use callbacks::{CallbackSendError, payment_event, plan_event};
pub use catalogue::DemoCatalogue;
pub use config::{Clock, DEFAULT_BALANCE_FEN, PartnerSimConfig};
pub use faults::{CallbackFault, Fault};

use book::Book;
use callbacks::Callbacks;
use faults::FaultSwitch;

/// State shared between the handle and the request handlers.
struct Shared {
    secret: Secret,
    now: Clock,
    book: Mutex<Book>,
    faults: FaultSwitch,
    callbacks: Callbacks,
    auto_callbacks: AtomicBool,
    /// Collects answer `PENDING` (the money moves, the result comes by callback).
    deferred_collects: AtomicBool,
    requests: AtomicU64,
    /// The texts its SMS gateway took.
    texts: sms::Texts,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("faults", &self.faults)
            .field("callbacks", &self.callbacks)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::SeqCst);
    }

    fn auto_callbacks(&self) -> bool {
        self.auto_callbacks.load(Ordering::SeqCst)
    }

    fn deferred_collects(&self) -> bool {
        self.deferred_collects.load(Ordering::SeqCst)
    }
}

/// Starts simulated partner platforms.
#[derive(Debug, Clone, Copy)]
pub struct PartnerSimulator;

impl PartnerSimulator {
    /// Starts a partner as `config` describes, healthy. Must be called inside a tokio
    /// runtime; fails when the address cannot be bound or the callback client cannot be
    /// built.
    pub async fn start(config: PartnerSimConfig) -> io::Result<PartnerHandle> {
        let callbacks = Callbacks::new(
            config.secret.clone(),
            config.now.clone(),
            config.callback_url.clone(),
        )
        .map_err(io::Error::other)?;
        let shared = web::Data::new(Shared {
            secret: config.secret.clone(),
            now: config.now.clone(),
            book: Mutex::new(Book::new(
                &config.code,
                config.products.clone(),
                config.initial_balance_fen,
            )),
            faults: FaultSwitch::default(),
            callbacks,
            auto_callbacks: AtomicBool::new(config.auto_callbacks),
            deferred_collects: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            texts: sms::Texts::default(),
        });
        let app_state = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .route(wire::PRODUCTS_PATH, web::post().to(routes::products))
                .route(wire::QUOTES_PATH, web::post().to(routes::quotes))
                .route(wire::PLANS_PATH, web::post().to(routes::plans))
                .route(wire::PLAN_STATUS_PATH, web::post().to(routes::plan_status))
                .route(wire::PLAN_CANCEL_PATH, web::post().to(routes::plan_cancel))
                .route(wire::COLLECTS_PATH, web::post().to(routes::collects))
                .route(wire::PREPAYMENTS_PATH, web::post().to(routes::prepayments))
                .route(wire::STATEMENTS_PATH, web::post().to(routes::statements))
                .route(sms::SMS_PATH, web::post().to(sms::send))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(config.bind)?;
        let address = server.addrs().first().copied().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                "the partner simulator bound no address",
            )
        })?;
        let server = server.run();
        let control = server.handle();
        let task = tokio::spawn(server);
        tracing::debug!(%address, code = %config.code, "partner simulator started");
        Ok(PartnerHandle {
            code: config.code,
            base_url: format!("http://{address}"),
            shared,
            control,
            task: Some(task),
        })
    }
}

/// A running simulated partner: its address, its books, its fault switches and its
/// callbacks. Dropping it stops the server.
#[derive(Debug)]
pub struct PartnerHandle {
    code: String,
    base_url: String,
    shared: web::Data<Shared>,
    control: ServerHandle,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl PartnerHandle {
    /// The URL of its SMS gateway (for `FENQI_SMS_URL`).
    pub fn sms_url(&self) -> String {
        format!("{}{}", self.base_url, sms::SMS_PATH)
    }

    /// The texts its SMS gateway took, each once, in order.
    pub fn texts(&self) -> Vec<crate::notifier::sms_gateway::SmsRequest> {
        self.shared.texts.all()
    }

    /// The base URL to configure clients with (`http://127.0.0.1:<port>`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The platform code it was started with.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// How many requests reached it so far, refused ones included: proves that a call
    /// was (or, behind an open breaker, was not) made.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Applies `fault` to every request from now on ([`Fault::None`] heals it).
    pub fn set_fault(&self, fault: Fault) {
        self.shared.faults.set(fault, None);
    }

    /// Applies `fault` to the next `requests` requests only, then heals: a first attempt
    /// that fails and a retry that succeeds.
    pub fn set_fault_for(&self, fault: Fault, requests: u32) {
        self.shared.faults.set(fault, Some(requests));
    }

    /// The request fault in force.
    pub fn fault(&self) -> Fault {
        self.shared.faults.current()
    }

    /// Opens a plan without HTTP, by the same rules as `/v1/plans`, for tests that need a
    /// plan to exist.
    pub fn open_plan_direct(&self, request: &OpenPlanRequest) -> Result<PlanStatus, BookRefusal> {
        self.shared.book().open_plan(request)
    }

    /// A plan as it stands, if it exists.
    pub fn plan(&self, plan_ref: &str) -> Option<PlanStatus> {
        self.shared.book().plan(plan_ref).ok()
    }

    /// Moves a plan to `state` (closed, defaulted…), raising its sequence, and answers the
    /// `plan.status_changed` event to send (`None` if unknown or already there).
    pub fn change_plan_state(&self, plan_ref: &str, state: PlanState) -> Option<CallbackEvent> {
        let status = self.shared.book().change_state(plan_ref, state).ok()??;
        Some(plan_event(&status, (self.shared.now)()))
    }

    /// Sets a plan's account balance in fen (false for an unknown plan): how a test
    /// makes a collect find too little money.
    pub fn set_balance(&self, plan_ref: &str, fen: i64) -> bool {
        self.shared.book().set_balance(plan_ref, fen)
    }

    /// A plan's account balance in fen.
    pub fn balance_fen(&self, plan_ref: &str) -> Option<i64> {
        self.shared.book().balance(plan_ref)
    }

    /// The fen that actually left a plan's account: proves money moved once.
    pub fn moved_fen(&self, plan_ref: &str) -> i64 {
        self.shared.book().moved_fen(plan_ref)
    }

    /// Every movement recorded, succeeded and failed, oldest first.
    pub fn movements(&self) -> Vec<Movement> {
        self.shared.book().movements().to_vec()
    }

    /// The movement with this reference.
    pub fn movement(&self, reference: &str) -> Option<Movement> {
        let book = self.shared.book();
        book.movements()
            .iter()
            .find(|m| m.reference == reference)
            .cloned()
    }

    /// Adds a line we never caused to its statements (on the line's date in UTC+8): a
    /// reconciliation mismatch.
    pub fn plant_statement_line(&self, line: StatementLine) {
        self.shared.book().tampering().plant(line);
    }

    /// Leaves a recorded movement out of its statements.
    pub fn hide_from_statement(&self, reference: &str) {
        self.shared.book().tampering().hide(reference);
    }

    /// Reports another amount for a recorded movement in its statements.
    pub fn alter_statement_amount(&self, reference: &str, fen: i64) {
        self.shared.book().tampering().alter(reference, fen);
    }

    /// Sets where callbacks go (`http://127.0.0.1:PORT/callbacks/partner-a`).
    pub fn set_callback_url(&self, url: impl Into<String>) {
        self.shared.callbacks.set_url(Some(url.into()));
    }

    /// Applies `fault` to the callbacks sent from now on.
    pub fn set_callback_fault(&self, fault: CallbackFault) {
        self.shared.callbacks.set_fault(fault);
    }

    /// Turns the automatic callbacks after collects, prepayments and cancellations on or
    /// off.
    pub fn set_auto_callbacks(&self, on: bool) {
        self.shared.auto_callbacks.store(on, Ordering::SeqCst);
    }

    /// Makes collects answer `PENDING` from now on, as partners that settle later do: the
    /// money still moves at once and the payment callback reports the result.
    pub fn set_deferred_collects(&self, on: bool) {
        self.shared.deferred_collects.store(on, Ordering::SeqCst);
    }

    /// The payment event of the movement with this reference.
    pub fn payment_event(&self, reference: &str) -> Option<CallbackEvent> {
        self.movement(reference).as_ref().map(payment_event)
    }

    /// Sends `event` to the callback URL, signed, as the callback fault dictates: the
    /// status of each delivery (none when dropped or held back for reordering).
    pub async fn send_event(&self, event: &CallbackEvent) -> Result<Vec<u16>, CallbackSendError> {
        self.shared.callbacks.send(event).await
    }

    /// Sends the events held back by [`CallbackFault::Reordered`], newest first.
    pub async fn flush_callbacks(&self) -> Result<Vec<u16>, CallbackSendError> {
        self.shared.callbacks.flush().await
    }

    /// How many events are held back for [`PartnerHandle::flush_callbacks`].
    pub fn held_callbacks(&self) -> usize {
        self.shared.callbacks.held()
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

impl Drop for PartnerHandle {
    fn drop(&mut self) {
        if self.task.take().is_some() {
            // Sending the stop command happens here; the returned future only waits for
            // completion, which a destructor cannot do.
            drop(self.control.stop(false));
        }
    }
}
