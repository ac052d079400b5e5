//! `GET /agreements/{id}.html` and `GET /agreements/{id}.pdf`: the agreement's document,
//! for its customer and staff only (the same bearer token as GraphQL), never cached by
//! shared caches. The HTML is served as issued, byte for byte, so that its SHA-256 can be
//! checked by anyone holding it; the PDF is set from the same stored terms and names that
//! SHA-256 on every page.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::DomainError;
use domain::auth::{Caller, RequestMeta};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::state::ApiState;

fn refuse(e: &DomainError) -> HttpResponse {
    let body = json!({ "error": { "code": e.code(), "message": e.to_string() } });
    match e {
        DomainError::Unauthenticated(_) => HttpResponse::Unauthorized().json(body),
        DomainError::Forbidden(_) => HttpResponse::Forbidden().json(body),
        DomainError::NotFound(_) | DomainError::Validation { .. } => {
            HttpResponse::NotFound().json(body)
        }
        DomainError::Conflict(_) => HttpResponse::Conflict().json(body),
        DomainError::FontIncomplete(_) => HttpResponse::InternalServerError().json(body),
        DomainError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            HttpResponse::InternalServerError().json(json!({ "error": { "code": e.code(),
                "message": "Something went wrong on our side. Please try again; if it keeps happening, quote the request id to support." } }))
        }
        _ => HttpResponse::ServiceUnavailable().json(body),
    }
}

/// The two forms of the document.
enum Form {
    Html,
    Pdf,
}

/// The handler.
pub async fn document(
    state: web::Data<ApiState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let name = path.into_inner();
    let parsed = if let Some(id) = name.strip_suffix(".html") {
        Some((id, Form::Html))
    } else {
        name.strip_suffix(".pdf").map(|id| (id, Form::Pdf))
    };
    let Some((id, form)) =
        parsed.and_then(|(id, form)| uuid::Uuid::parse_str(id).ok().map(|id| (id, form)))
    else {
        return refuse(&DomainError::NotFound(
            "No agreement has this id; ask for /agreements/<id>.html or /agreements/<id>.pdf."
                .into(),
        ));
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
    match form {
        Form::Html => match state.domain.agreement(id, &caller).await {
            Ok(a) => HttpResponse::Ok()
                .content_type(ContentType::html())
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .insert_header(("X-Content-SHA256", a.sha256.clone()))
                .insert_header(("X-Agreement-SHA256", a.sha256.clone()))
                .body(a.html),
            Err(e) => refuse(&e),
        },
        Form::Pdf => match state.domain.agreement_pdf(id, &caller).await {
            Ok(pdf) => HttpResponse::Ok()
                .content_type("application/pdf")
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"agreement-{}.pdf\"", pdf.id),
                ))
                .insert_header(("X-Content-SHA256", hex::encode(Sha256::digest(&pdf.bytes))))
                .insert_header(("X-Agreement-SHA256", pdf.record_sha256))
                .body(pdf.bytes),
            Err(e) => refuse(&e),
        },
    }
}
