//! The partner protocol's paths ([`crate::platforms::http::wire`]) as a real partner
//! would serve them, with the request faults applied around them.
//!
//! Every request is counted, then: the fault's delay or outage; the signature (401
//! `missing_signature`, `malformed_signature`, `replayed`, `bad_signature`) and the client
//! header (401 `unknown_client`); the body (400 `bad_request`); then the books decide.
//! Every answer, errors included, is signed with the shared secret on the simulator's
//! clock.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::platforms::callback::CallbackEvent;
use crate::platforms::http::wire::{
    CancelRequest, Empty, MoneyAnswer, MoneyRequest, PlanRefRequest, ProductsResponse,
    StatementRequest,
};
use crate::platforms::messages::{CollectOutcome, OpenPlanRequest, QuoteRequest};
use crate::signed_http::{CLIENT_HEADER, ErrorResponse};
use crate::signing::{
    self, DEFAULT_REPLAY_WINDOW, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER,
};

use super::Shared;
use super::book::{BookRefusal, MovementKind};
use super::callbacks::{payment_event, plan_event};
use super::faults::Fault;

/// The key the `ForgedSignature` fault signs answers with: not the shared secret.
const FORGED_KEY: &[u8] = b"not-the-partner-secret";

/// What the books answered, before signing, and the callbacks it gives rise to.
struct Reply {
    status: StatusCode,
    body: Vec<u8>,
    events: Vec<CallbackEvent>,
}

impl Reply {
    fn ok<T: Serialize>(value: &T) -> Self {
        // The port's messages are plain strings, numbers and dates: encoding cannot fail,
        // and an empty body would be refused by the client anyway.
        Self {
            status: StatusCode::OK,
            body: serde_json::to_vec(value).unwrap_or_default(),
            events: Vec::new(),
        }
    }

    fn error(status: StatusCode, code: &str, message: &str) -> Self {
        Self {
            status,
            body: serde_json::to_vec(&ErrorResponse::new(code, message)).unwrap_or_default(),
            events: Vec::new(),
        }
    }

    fn refused(refusal: &BookRefusal) -> Self {
        let (status, code) = match refusal {
            BookRefusal::NotOffered(_) => (StatusCode::UNPROCESSABLE_ENTITY, "not_offered"),
            BookRefusal::KeyReused(_) => (StatusCode::CONFLICT, "idempotency_key_reused"),
            BookRefusal::UnknownPlan(_) => (StatusCode::NOT_FOUND, "unknown_plan"),
            BookRefusal::PlanEnded(_) => (StatusCode::CONFLICT, "plan_closed"),
            BookRefusal::InvalidAmount(_) => (StatusCode::BAD_REQUEST, "invalid_amount"),
        };
        Self::error(status, code, &refusal.to_string())
    }

    fn from<T: Serialize>(result: Result<T, BookRefusal>) -> Self {
        match result {
            Ok(value) => Self::ok(&value),
            Err(refusal) => Self::refused(&refusal),
        }
    }
}

/// `/v1/products`.
pub(super) async fn products(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, _: Empty| {
        Reply::ok(&ProductsResponse {
            products: s.book().products().to_vec(),
        })
    })
    .await
}

/// `/v1/quotes`: the list price, or 422 `not_offered`.
pub(super) async fn quotes(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, quote: QuoteRequest| {
        let book = s.book();
        let price = book
            .products()
            .iter()
            .find(|p| p.code == quote.product_code)
            .ok_or_else(|| format!("no product {}", quote.product_code))
            .and_then(|p| p.price(&quote));
        Reply::from(price.map_err(BookRefusal::NotOffered))
    })
    .await
}

/// `/v1/plans`: opens a plan once per key.
pub(super) async fn plans(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, open: OpenPlanRequest| {
        Reply::from(s.book().open_plan(&open))
    })
    .await
}

/// `/v1/plans/status`.
pub(super) async fn plan_status(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, ask: PlanRefRequest| {
        Reply::from(s.book().plan(&ask.plan_ref))
    })
    .await
}

/// `/v1/plans/cancel`: a status callback follows a real cancellation.
pub(super) async fn plan_cancel(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, cancel: CancelRequest| {
        let result = s.book().cancel(&cancel.plan_ref);
        match result {
            Ok((status, changed)) => {
                let mut reply = Reply::ok(&status);
                if changed {
                    reply.events.push(plan_event(&status, (s.now)()));
                }
                reply
            }
            Err(refusal) => Reply::refused(&refusal),
        }
    })
    .await
}

/// `/v1/collects`.
pub(super) async fn collects(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, money: MoneyRequest| {
        move_money(s, MovementKind::Collect, &money)
    })
    .await
}

/// `/v1/prepayments`.
pub(super) async fn prepayments(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, money: MoneyRequest| {
        move_money(s, MovementKind::Prepayment, &money)
    })
    .await
}

/// `/v1/statements`.
pub(super) async fn statements(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(&req, &body, shared, |s, ask: StatementRequest| {
        Reply::ok(&s.book().statement(ask.date))
    })
    .await
}

/// A collect or prepayment; a payment callback follows a new movement.
fn move_money(shared: &Shared, kind: MovementKind, money: &MoneyRequest) -> Reply {
    let now = (shared.now)();
    let result = shared.book().move_money(
        kind,
        &money.idempotency_key,
        &money.plan_ref,
        money.amount_fen,
        now,
    );
    match result {
        Ok((outcome, movement)) => {
            // A partner that settles later answers `PENDING`; its callback tells the result.
            let answered = match outcome {
                CollectOutcome::Succeeded { reference }
                    if kind == MovementKind::Collect && shared.deferred_collects() =>
                {
                    CollectOutcome::Pending { reference }
                }
                other => other,
            };
            let mut reply = Reply::ok(&MoneyAnswer::from_outcome(&answered));
            reply.events.extend(movement.as_ref().map(payment_event));
            reply
        }
        Err(refusal) => Reply::refused(&refusal),
    }
}

/// The pipeline every path shares: count, fault, checks, decode, `op`, callbacks, sign.
async fn serve<Req: DeserializeOwned>(
    request: &HttpRequest,
    body: &[u8],
    shared: web::Data<Shared>,
    op: impl FnOnce(&Shared, Req) -> Reply,
) -> HttpResponse {
    shared.count_request();
    let fault = shared.faults.take();
    let secret = shared.secret.expose().as_bytes();
    let now = (shared.now)();
    if let Fault::Latency(delay) = fault {
        tokio::time::sleep(delay).await;
    }
    if let Fault::Outage(status) = fault {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let reply = Reply::error(status, "unavailable", "the simulated partner is down");
        return signed(secret, (shared.now)(), reply);
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default())
    };
    if let Err(refused) = signing::verify(
        secret,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        body,
        now,
        DEFAULT_REPLAY_WINDOW,
    ) {
        let reply = Reply::error(
            StatusCode::UNAUTHORIZED,
            signature_code(&refused),
            &refused.to_string(),
        );
        return signed(secret, now, reply);
    }
    if header(CLIENT_HEADER).is_none_or(|c| c.trim().is_empty()) {
        let reply = Reply::error(
            StatusCode::UNAUTHORIZED,
            "unknown_client",
            "the X-Fenqi-Client header is missing",
        );
        return signed(secret, now, reply);
    }
    let mut reply = match serde_json::from_slice::<Req>(body) {
        Ok(decoded) => op(&shared, decoded),
        Err(e) => Reply::error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("the body cannot be read: {e}"),
        ),
    };
    send_callbacks(&shared, std::mem::take(&mut reply.events));
    if let Fault::ProcessThenStall(delay) = fault {
        tokio::time::sleep(delay).await;
    }
    let now = (shared.now)();
    match fault {
        Fault::ForgedSignature => signed(FORGED_KEY, now, reply),
        Fault::Malformed => signed(
            secret,
            now,
            Reply {
                status: StatusCode::OK,
                body: br#"{"outcome": "#.to_vec(),
                events: Vec::new(),
            },
        ),
        _ => signed(secret, now, reply),
    }
}

/// Sends `events` in the background when automatic callbacks are on, so the answer does
/// not wait for our callback endpoint.
fn send_callbacks(shared: &web::Data<Shared>, events: Vec<CallbackEvent>) {
    if events.is_empty() || !shared.auto_callbacks() {
        return;
    }
    let shared = shared.clone();
    actix_web::rt::spawn(async move {
        for event in events {
            if let Err(e) = shared.callbacks.send(&event).await {
                tracing::warn!(event_id = %event.event_id, error = %e, "a simulated callback was not delivered");
            }
        }
    });
}

/// The answer, signed with `key` at `now`.
fn signed(key: &[u8], now: chrono::DateTime<chrono::Utc>, reply: Reply) -> HttpResponse {
    let timestamp = now.timestamp();
    let signature = signing::sign(key, timestamp, &reply.body);
    HttpResponse::build(reply.status)
        .content_type("application/json")
        .insert_header((TIMESTAMP_HEADER, timestamp.to_string()))
        .insert_header((SIGNATURE_HEADER, signature))
        .body(reply.body)
}

/// The stable error code for a refused signature.
fn signature_code(err: &SignatureError) -> &'static str {
    match err {
        SignatureError::MissingTimestamp | SignatureError::MissingSignature => "missing_signature",
        SignatureError::MalformedTimestamp | SignatureError::MalformedSignature => {
            "malformed_signature"
        }
        SignatureError::OutsideWindow { .. } => "replayed",
        SignatureError::Mismatch => "bad_signature",
    }
}
