//! The SMS gateway a partner also runs (`POST /v1/sms`): it takes texts as
//! [`crate::notifier::SmsGateway`] sends them, once per reference, and keeps them for tests
//! to read. An outage fault answers its status here too.

use std::sync::{Mutex, PoisonError};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::notifier::sms_gateway::{SmsAccepted, SmsRequest};

use super::Shared;
use super::faults::Fault;

/// The gateway's path.
pub const SMS_PATH: &str = "/v1/sms";

/// The texts taken, in order, each once.
#[derive(Debug, Default)]
pub(super) struct Texts(Mutex<Vec<SmsRequest>>);

impl Texts {
    pub(super) fn all(&self) -> Vec<SmsRequest> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps `text` unless its reference was seen; answers the gateway's id either way.
    fn take(&self, text: SmsRequest) -> String {
        let mut texts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let position = match texts.iter().position(|t| t.reference == text.reference) {
            Some(p) => p,
            None => {
                texts.push(text);
                texts.len() - 1
            }
        };
        format!("sms-{:06}", position + 1)
    }
}

/// `POST /v1/sms`.
pub(super) async fn send(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    shared.count_request();
    if let Fault::Outage(status) = shared.faults.current() {
        return HttpResponse::build(
            StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
        )
        .body("the gateway is down");
    }
    let text: SmsRequest = match serde_json::from_slice(&body) {
        Ok(t) => t,
        Err(e) => return HttpResponse::BadRequest().body(format!("unreadable: {e}")),
    };
    if text.to.len() != 11 || !text.to.bytes().all(|b| b.is_ascii_digit()) {
        return HttpResponse::UnprocessableEntity().body("not a mainland mobile number");
    }
    let id = shared.texts.take(text);
    HttpResponse::Ok().json(SmsAccepted { id })
}
