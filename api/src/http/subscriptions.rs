//! `GET /graphql` with `Upgrade: websocket`: GraphQL subscriptions over the graphql-ws
//! protocols (`graphql-transport-ws`, and the older `graphql-ws`). The bearer token is
//! read from the `connection_init` payload (`authorization` or `token`), or from the
//! upgrade request's `Authorization` header; the request's facts (id, address, user
//! agent) are kept for the audit as for HTTP.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::Data;
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use domain::auth::RequestMeta;
use futures::StreamExt;

use crate::graphql::context::RequestContext;
use crate::http::request_id::RequestId;
use crate::state::ApiState;

/// The token of a `connection_init` payload.
fn token_of(payload: &serde_json::Value) -> Option<String> {
    let text = ["authorization", "Authorization", "token"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))?;
    let token = text
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or(text, |(_, t)| t);
    Some(token.trim().to_owned())
}

/// The handler.
pub async fn socket(
    state: web::Data<ApiState>,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        })
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    let header_token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let meta = RequestMeta {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        client_addr: crate::http::client_addr::client_addr(&req, &state.trusted_proxies),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let (mut response, mut session, incoming) = actix_ws::handle(&req, body)?;
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        header::HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    let schema = state.schema.clone();
    let limit = state.limits.max_body_bytes;
    actix_web::rt::spawn(async move {
        let texts = incoming
            .max_frame_size(limit)
            .take_while(|m| {
                futures::future::ready(!matches!(m, Ok(actix_ws::Message::Close(_)) | Err(_)))
            })
            .filter_map(|m| async move {
                match m {
                    Ok(actix_ws::Message::Text(text)) => Some(text.to_string()),
                    _ => None,
                }
            });
        let mut outgoing = WebSocket::new(schema, texts, protocol)
            .on_connection_init(move |payload| {
                let token = token_of(&payload).or(header_token);
                let mut data = Data::default();
                data.insert(RequestContext::new(token, meta));
                futures::future::ready(Ok(data))
            })
            .boxed_local();
        while let Some(message) = outgoing.next().await {
            let sent = match message {
                WsMessage::Text(text) => session.text(text).await,
                WsMessage::Close(code, reason) => {
                    let _ = session
                        .close(Some(actix_ws::CloseReason {
                            code: code.into(),
                            description: Some(reason),
                        }))
                        .await;
                    return;
                }
            };
            if sent.is_err() {
                return;
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}
