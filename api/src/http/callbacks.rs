//! `POST /callbacks/{platform_code}`: partners tell us what happened (a payment, a plan's
//! new state). The domain verifies the signature with the platform's secret and the time
//! window, applies the event exactly once and keeps it; this answers `200` only after
//! that commit, so a partner that gets no `2xx` sends it again and loses nothing.
//!
//! | answer | when |
//! |---|---|
//! | `200 {"status":"applied"}` | applied now (`stale`: a later event came first; `unmatched`: kept for staff, no such plan; `duplicate`: seen before) |
//! | `400` | signed correctly but not a callback we can read (the reason says why) |
//! | `401` | no, a wrong or an expired signature (also logged as a security event) |
//! | `404` | no such platform |
//! | `413` | a body over the limit |
//! | `503` | we could not apply it now; send it again |

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::platforms::CallbackRefusal;
use domain::platforms::port::CallbackHeaders;
use domain::platforms::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use futures::StreamExt;
use serde_json::json;

use crate::state::ApiState;

/// The largest callback body accepted: an event is a few hundred bytes.
const MAX_CALLBACK_BYTES: usize = 64 * 1024;

fn answer(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::json())
        .json(json!({ "error": { "code": code, "message": message } }))
}

/// The handler.
pub async fn receive(
    state: web::Data<ApiState>,
    req: HttpRequest,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> HttpResponse {
    let platform_code = path.into_inner();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return answer(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The body could not be read.",
            );
        };
        if body.len() + chunk.len() > MAX_CALLBACK_BYTES {
            return answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "A callback body is at most 64 KiB.",
            );
        }
        body.extend_from_slice(&chunk);
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let headers = CallbackHeaders {
        timestamp: header(TIMESTAMP_HEADER),
        signature: header(SIGNATURE_HEADER),
    };
    match state
        .domain
        .receive_callback(&platform_code, headers, &body)
        .await
    {
        Ok(receipt) => HttpResponse::Ok().json(json!({ "status": receipt.as_str() })),
        Err(CallbackRefusal::UnknownPlatform(_)) => answer(
            StatusCode::NOT_FOUND,
            "unknown_platform",
            "No platform is registered under this code.",
        ),
        Err(CallbackRefusal::Signature(reason)) => {
            tracing::warn!(
                target: "security",
                platform = %platform_code,
                client_addr = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default(),
                %reason,
                "a callback with a bad signature was refused"
            );
            answer(StatusCode::UNAUTHORIZED, "bad_signature", &reason)
        }
        Err(CallbackRefusal::Malformed(reason)) => {
            answer(StatusCode::BAD_REQUEST, "malformed", &reason)
        }
        Err(CallbackRefusal::Failed(e)) => {
            tracing::error!(platform = %platform_code, error = %e, "a callback could not be applied");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The callback could not be applied now; send it again.",
            )
        }
    }
}
