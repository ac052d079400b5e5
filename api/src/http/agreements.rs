//! `GET /agreements/{id}.html`: the agreement's document, for its customer and staff only
//! (the same bearer token as GraphQL). Served as issued, byte for byte, so that its
//! SHA-256 can be checked by anyone holding it; never cached by shared caches.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::DomainError;
use domain::auth::{Caller, RequestMeta};
use serde_json::json;

use crate::state::ApiState;

fn refuse(e: &DomainError) -> HttpResponse {
    let body = json!({ "error": { "code": e.code(), "message": e.to_string() } });
    match e {
        DomainError::Unauthenticated(_) => HttpResponse::Unauthorized().json(body),
        DomainError::Forbidden(_) => HttpResponse::Forbidden().json(body),
        DomainError::NotFound(_) | DomainError::Validation { .. } => {
            HttpResponse::NotFound().json(body)
        }
        _ => HttpResponse::ServiceUnavailable().json(body),
    }
}

/// The handler.
pub async fn html(
    state: web::Data<ApiState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let name = path.into_inner();
    let Some(id) = name
        .strip_suffix(".html")
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
    else {
        return refuse(&DomainError::NotFound("No agreement has this id.".into()));
    };
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let Some(token) = token else {
        return refuse(&DomainError::Unauthenticated(
            "Log in first: send your token as 'Authorization: Bearer <token>'.".into(),
        ));
    };
    let auth = match state.domain.authenticate(&token).await {
        Ok(auth) => auth,
        Err(e) => return refuse(&e),
    };
    let caller = Caller::account(auth.actor, RequestMeta::default());
    match state.domain.agreement(id, &caller).await {
        Ok(a) => HttpResponse::Ok()
            .content_type(ContentType::html())
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .insert_header(("X-Content-SHA256", a.sha256.clone()))
            .body(a.html),
        Err(e) => refuse(&e),
    }
}
