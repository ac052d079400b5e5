//! Per-request facts: the bearer token, the request's origin, and the session it resolves
//! to — looked up once, and only when a private field asks.

use std::sync::Arc;

use async_graphql::Context;
use domain::auth::{Actor, Authenticated, Caller, RequestMeta};
use domain::{Domain, DomainError};
use tokio::sync::OnceCell;

use super::errors::gql;

/// Put into each GraphQL request by the HTTP handler.
#[derive(Debug)]
pub struct RequestContext {
    bearer: Option<String>,
    meta: RequestMeta,
    session: OnceCell<Result<Authenticated, DomainError>>,
}

impl RequestContext {
    /// A request with an optional bearer token.
    pub fn new(bearer: Option<String>, meta: RequestMeta) -> Self {
        Self {
            bearer,
            meta,
            session: OnceCell::new(),
        }
    }

    /// Where the request came from.
    pub fn meta(&self) -> &RequestMeta {
        &self.meta
    }

    /// The session behind the bearer token, resolved at most once per request.
    pub async fn session(&self, domain: &Domain) -> async_graphql::Result<Authenticated> {
        let result = self
            .session
            .get_or_init(|| async {
                match &self.bearer {
                    None => Err(DomainError::Unauthenticated(
                        "Log in first: send your token as 'Authorization: Bearer <token>'.".into(),
                    )),
                    Some(token) => domain.authenticate(token).await,
                }
            })
            .await;
        match result {
            Ok(auth) => Ok(*auth),
            Err(err) => Err(gql(clone_error(err))),
        }
    }
}

fn clone_error(err: &DomainError) -> DomainError {
    match err {
        DomainError::Unauthenticated(m) => DomainError::Unauthenticated(m.clone()),
        DomainError::Unavailable(m) => DomainError::Unavailable(m.clone()),
        other => DomainError::Internal(other.to_string()),
    }
}

/// Shortcuts resolvers use.
pub trait ContextExt {
    /// The business.
    fn domain(&self) -> async_graphql::Result<&Arc<Domain>>;
    /// The request's facts.
    fn request(&self) -> async_graphql::Result<&RequestContext>;
    /// The authenticated caller (the guard has already checked the role).
    fn caller(&self) -> impl Future<Output = async_graphql::Result<Caller>> + Send;
    /// The caller for public fields: anonymous, but with the request's facts.
    fn anonymous_caller(&self) -> async_graphql::Result<Caller>;
    /// The session, for logout.
    fn session(&self) -> impl Future<Output = async_graphql::Result<Authenticated>> + Send;
}

impl ContextExt for Context<'_> {
    fn domain(&self) -> async_graphql::Result<&Arc<Domain>> {
        self.data::<Arc<Domain>>()
    }

    fn request(&self) -> async_graphql::Result<&RequestContext> {
        self.data::<RequestContext>()
    }

    async fn caller(&self) -> async_graphql::Result<Caller> {
        let auth = self.session().await?;
        Ok(Caller::account(auth.actor, self.request()?.meta().clone()))
    }

    fn anonymous_caller(&self) -> async_graphql::Result<Caller> {
        Ok(Caller {
            actor: None::<Actor>,
            meta: self.request()?.meta().clone(),
        })
    }

    async fn session(&self) -> async_graphql::Result<Authenticated> {
        let domain = self.domain()?;
        self.request()?.session(domain).await
    }
}
