//! Building and running the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, guard, web};

use crate::http::{agreements, callbacks, graphiql, graphql, ops, request_id, subscriptions};
use crate::state::ApiState;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be bound.
    #[error("FENQI_BIND: cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The server could not be started on the bound socket.
    #[error("the HTTP server could not start: {0}")]
    Start(std::io::Error),
}

/// Binds `addr` (`127.0.0.1:0` picks a free port, as the tests do).
pub fn bind(addr: &str) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr).map_err(|source| ServerError::Bind {
        addr: addr.to_owned(),
        source,
    })
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
}

/// The full API server on `listener`, with `workers` threads.
pub fn serve(
    state: ApiState,
    listener: TcpListener,
    workers: usize,
) -> Result<Server, ServerError> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(security_headers())
            .wrap(from_fn(request_id::middleware))
            .route("/graphql", web::post().to(graphql::execute))
            // graphql-ws subscriptions: the same path, upgraded to a WebSocket.
            .route(
                "/graphql",
                web::get()
                    .guard(guard::Header("upgrade", "websocket"))
                    .to(subscriptions::socket),
            )
            .route("/graphql", web::get().to(graphiql::page))
            // GraphiQL's scripts and style sheet, from the binary; gzip when the browser
            // takes it (4 MB of script otherwise). Only here: GraphQL answers, which may
            // mix secrets with what the caller sent, are not compressed.
            .service(
                web::resource(graphiql::ASSET_ROUTE)
                    .wrap(Compress::default())
                    .route(web::get().to(graphiql::asset)),
            )
            .route("/agreements/{file}", web::get().to(agreements::document))
            .route(
                "/callbacks/{platform_code}",
                web::post().to(callbacks::receive),
            )
            .route("/health", web::get().to(ops::health))
            .route("/ready", web::get().to(ops::ready))
            .route("/metrics", web::get().to(ops::metrics))
    })
    .workers(workers.max(1))
    .listen(listener)
    .map_err(ServerError::Start)?
    .run();
    Ok(server)
}

/// Only the operations endpoints, for a worker-only process (`fenqi work`), so its jobs'
/// metrics can be scraped and its readiness probed.
pub fn ops_app(state: ApiState, listener: TcpListener) -> Result<Server, ServerError> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(request_id::middleware))
            .route("/health", web::get().to(ops::health))
            .route("/ready", web::get().to(ops::ready))
            .route("/metrics", web::get().to(ops::metrics))
    })
    .workers(1)
    .listen(listener)
    .map_err(ServerError::Start)?
    .run();
    Ok(server)
}
