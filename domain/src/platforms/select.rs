//! Selecting a platform for an application: only with the customer's consent to the
//! platform's current disclosure (`CONSENT_REQUIRED` otherwise, also when the disclosure
//! changed after the consent), and only a product that fits the application. The
//! application becomes `PLATFORM_SELECTED` (again, while not yet negotiating), recorded
//! and audited with the step.

use adapters::platforms::QuoteRequest;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use uuid::Uuid;

use entities::{installment_application, installment_platform, risk_assessment};

use crate::applications::{ApplicationView, Step, steps};
use crate::auth::{Caller, Permission};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

use super::recommend::plan_frequency;
use super::registry::parse_products;

/// The consent purpose `CONSENT_REQUIRED` names.
pub const DISCLOSURE_PURPOSE: &str = "PLATFORM_DISCLOSURE";

impl Domain {
    /// Selects `platform_code`'s product `product_code` for an application.
    pub async fn select_platform(
        &self,
        application_id: Uuid,
        platform_code: &str,
        product_code: &str,
        caller: &Caller,
    ) -> DomainResult<ApplicationView> {
        caller.require(Permission::SelectPlatform)?;
        // The customer's own only (others are "not found").
        let view = self.application(application_id, false, caller).await?;
        let platform = installment_platform::Entity::find_by_id(platform_code.to_owned())
            .one(self.db())
            .await?
            .filter(|p| p.active)
            .ok_or_else(|| {
                DomainError::NotFound(format!("No active platform is called {platform_code}."))
            })?;
        let products = parse_products(&platform)?;
        let product = products
            .iter()
            .find(|p| p.code == product_code)
            .ok_or_else(|| {
                DomainError::validation(
                    "productCode",
                    format!("{} has no product {product_code}.", platform.name),
                )
            })?;
        let grade = match view.assessment_id {
            Some(id) => risk_assessment::Entity::find_by_id(id)
                .one(self.db())
                .await?
                .map(|a| a.grade),
            None => None,
        }
        .ok_or_else(|| {
            DomainError::Conflict("This application has no risk assessment yet.".into())
        })?;
        let request = QuoteRequest {
            product_code: product.code.clone(),
            grade,
            amount_fen: view.amount.to_fen(),
            periods: view.periods,
            frequency: plan_frequency(view.frequency),
        };
        if let Some(why) = product.refusal(&request) {
            return Err(DomainError::validation(
                "productCode",
                format!("This product does not fit the application: {why}."),
            ));
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let model = installment_application::Entity::find_by_id(application_id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("No application has this id.".into()))?;
        if !Self::has_consented(&txn, &model, platform_code, platform.disclosure_version).await? {
            return Err(DomainError::ConsentRequired {
                purpose: DISCLOSURE_PURPOSE.into(),
                message: format!(
                    "The customer has not accepted version {} of {}'s disclosure; show it and record their consent (acceptDisclosure) first.",
                    platform.disclosure_version, platform.name
                ),
            });
        }
        let version = platform.disclosure_version;
        let code = platform_code.to_owned();
        let product = product_code.to_owned();
        let reason = format!(
            "{} selected ({product}), disclosure version {version} accepted",
            platform.name
        );
        let status = steps::take(
            &txn,
            &model,
            Step::SelectPlatform,
            caller,
            &reason,
            now,
            |u| {
                u.col_expr(
                    installment_application::Column::PlatformCode,
                    Expr::value(code),
                )
                .col_expr(
                    installment_application::Column::ProductCode,
                    Expr::value(product),
                )
                .col_expr(
                    installment_application::Column::DisclosureVersion,
                    Expr::value(version),
                )
            },
        )
        .await?;
        txn.commit().await?;
        let mut view = view;
        view.status = status;
        view.platform_code = Some(platform_code.to_owned());
        view.product_code = Some(product_code.to_owned());
        view.disclosure_version = Some(version);
        view.updated_at = now;
        Ok(view)
    }
}
