//! Registering, logging in and out, and `me`.

use async_graphql::{Context, InputObject, Object};
use domain::auth::NewCustomer;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::{Account, AuthPayload};
use domain::auth::Permission;

/// What a customer gives to register: a mobile number or an e-mail address (or both).
#[derive(InputObject)]
pub struct RegisterInput {
    /// How the app should address you.
    pub display_name: String,
    /// An 11-digit mainland mobile number.
    pub mobile: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// 8 to 128 characters.
    pub password: String,
}

/// Credentials.
#[derive(InputObject)]
pub struct LoginInput {
    /// Your mobile number or e-mail address.
    pub login: String,
    /// Your password.
    pub password: String,
}

/// Queries about the caller.
#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The logged-in account.
    #[graphql(guard = "RoleGuard::new(Permission::UseOwnAccount).even_before_password_change()")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        let caller = ctx.caller().await?;
        let id = caller.actor.map(|a| a.account_id).unwrap_or_default();
        ctx.domain()?.account(id).await.gql().map(Account)
    }
}

/// Account mutations open to everyone.
#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Registers a customer account and logs it in.
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: RegisterInput,
    ) -> async_graphql::Result<AuthPayload> {
        let caller = ctx.anonymous_caller()?;
        ctx.domain()?
            .register_customer(
                NewCustomer {
                    display_name: input.display_name,
                    mobile: input.mobile,
                    email: input.email,
                    password: input.password,
                },
                &caller,
            )
            .await
            .gql()
            .map(AuthPayload::from)
    }

    /// Logs in. Five failed attempts in a row lock the login for 15 minutes.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        let caller = ctx.anonymous_caller()?;
        ctx.domain()?
            .login(&input.login, &input.password, &caller)
            .await
            .gql()
            .map(AuthPayload::from)
    }

    /// Ends the current session; its token stops working at once.
    #[graphql(guard = "RoleGuard::new(Permission::UseOwnAccount).even_before_password_change()")]
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let session = ctx.session().await?;
        ctx.domain()?.logout(&session).await.gql()?;
        Ok(true)
    }

    /// Replaces the caller's password; every other session of the account ends.
    #[graphql(guard = "RoleGuard::new(Permission::UseOwnAccount).even_before_password_change()")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<Account> {
        let session = ctx.session().await?;
        let caller = ctx.caller().await?;
        ctx.domain()?
            .change_password(
                &current_password,
                &new_password,
                session.session_id,
                &caller,
            )
            .await
            .gql()
            .map(Account)
    }
}
