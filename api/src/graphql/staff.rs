//! Staff accounts: made, listed and disabled by admins.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::auth::NewStaff;
use domain::page::PageRequest;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::{Account, AccountStatusGql, RoleGql, parse_id};
use domain::auth::Permission;

/// A new staff account.
#[derive(InputObject)]
pub struct CreateStaffInput {
    /// The staff member's name.
    pub display_name: String,
    /// Their work e-mail, which is their login.
    pub email: String,
    /// A staff role.
    pub role: RoleGql,
    /// A password; omit it to have one generated and returned once.
    pub password: Option<String>,
}

/// The new account and, when generated, its first password.
#[derive(SimpleObject)]
pub struct StaffCreatedPayload {
    /// The account.
    pub account: Account,
    /// The generated password, shown only now; hand it over securely.
    pub initial_password: Option<String>,
}

/// Staff queries.
#[derive(Default)]
pub struct StaffQuery;

#[Object]
impl StaffQuery {
    /// Staff accounts, oldest first.
    #[graphql(
        guard = "RoleGuard::new(Permission::ListStaff)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn staff_accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Account>> {
        let caller = ctx.caller().await?;
        let after = cursor::decode(after.as_deref())?;
        let page = PageRequest::new(first, after).gql()?;
        let result = ctx.domain()?.staff_accounts(page, &caller).await.gql()?;
        Ok(cursor::connection(result, page.after.is_some(), Account))
    }
}

/// Staff mutations.
#[derive(Default)]
pub struct StaffMutation;

#[Object]
impl StaffMutation {
    /// Makes a staff account. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::ManageStaff)")]
    async fn create_staff(
        &self,
        ctx: &Context<'_>,
        input: CreateStaffInput,
    ) -> async_graphql::Result<StaffCreatedPayload> {
        let caller = ctx.caller().await?;
        let created = ctx
            .domain()?
            .create_staff(
                NewStaff {
                    display_name: input.display_name,
                    email: input.email,
                    role: input.role.into(),
                    password: input.password,
                },
                &caller,
            )
            .await
            .gql()?;
        Ok(StaffCreatedPayload {
            account: Account(created.account),
            initial_password: created.initial_password,
        })
    }

    /// Enables or disables an account; disabling ends its sessions. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::ManageStaff)")]
    async fn set_account_status(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        status: AccountStatusGql,
    ) -> async_graphql::Result<Account> {
        let caller = ctx.caller().await?;
        let id = parse_id(&account_id, "accountId")?;
        ctx.domain()?
            .set_account_status(id, status.into(), &caller)
            .await
            .gql()
            .map(Account)
    }
}
