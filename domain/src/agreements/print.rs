//! Printing an issued agreement as a PDF, for its customer and staff. Only an intact record
//! is printed: a PDF made from changed terms would carry the bank's name on words nobody
//! agreed to.

use uuid::Uuid;

use super::issue::differences;
use super::pdf::{PdfError, render_pdf};
use super::render::{Facts, TEMPLATE_VERSION};
use crate::auth::Caller;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

/// An agreement's PDF.
#[derive(Debug, Clone)]
pub struct AgreementPdf {
    /// The agreement.
    pub id: Uuid,
    /// The SHA-256 of the HTML record, fixed at issue (each page's footer prints it).
    pub record_sha256: String,
    /// The PDF.
    pub bytes: Vec<u8>,
}

impl Domain {
    /// The agreement `id` as a PDF, set from its stored terms in the configured font.
    pub async fn agreement_pdf(&self, id: Uuid, caller: &Caller) -> DomainResult<AgreementPdf> {
        let stored = self.agreement_record(id, caller).await?;
        if stored.template != TEMPLATE_VERSION {
            return Err(DomainError::NotFound(format!(
                "This agreement was issued with template {}, which has no PDF; its HTML document is the record.",
                stored.template
            )));
        }
        let changed = differences(&stored);
        if !changed.is_empty() {
            tracing::error!(agreement = %id, ?changed, "an archived agreement no longer matches its digest");
            return Err(DomainError::Conflict(
                "This agreement's archived record no longer matches its SHA-256, so it is not printed; staff can see what differs with verifyAgreement.".into(),
            ));
        }
        let facts: Facts = serde_json::from_str(&stored.facts)
            .map_err(|e| DomainError::Internal(format!("agreement facts: {e}")))?;
        let font = self.settings().agreement_font.clone();
        let record_sha256 = stored.sha256.clone();
        let sha = record_sha256.clone();
        // Setting and subsetting take milliseconds of CPU: off the async threads.
        let bytes = tokio::task::spawn_blocking(move || render_pdf(&facts, &sha, &font))
            .await
            .map_err(|e| DomainError::Internal(format!("the PDF task stopped: {e}")))?
            .map_err(|e| match e {
                PdfError::FontIncomplete { .. } => {
                    tracing::error!(agreement = %id, error = %e, "agreement font incomplete");
                    DomainError::FontIncomplete(e.to_string())
                }
                PdfError::Writer(detail) => DomainError::Internal(detail),
            })?;
        Ok(AgreementPdf {
            id,
            record_sha256,
            bytes,
        })
    }
}
