//! The public loan calculator: the same schedule engine that prices every plan, under the
//! configured legal APR cap, so the figures on the bank's website are the figures of the
//! contract.

use crate::auth::Caller;
use crate::error::{DomainError, DomainResult};
use crate::rate::Rate;
use crate::schedule::{Limits, LoanQuote, LoanTerms, LoanTermsInput, quote};
use crate::service::Domain;

impl Domain {
    /// The limits every quote is checked against.
    pub fn loan_limits(&self) -> DomainResult<Limits> {
        let cap = Rate::new(self.settings().legal_apr_cap)
            .map_err(|e| DomainError::Internal(format!("legal APR cap: {e}")))?;
        Ok(Limits {
            legal_apr_cap: cap,
            ..Limits::default()
        })
    }

    /// A full quote — schedule, totals, APR — for terms a visitor typed. Pure computation:
    /// no login, no database; limited per client address, since anyone may call it.
    pub async fn loan_calculator(
        &self,
        caller: &Caller,
        input: LoanTermsInput,
    ) -> DomainResult<LoanQuote> {
        self.throttle_public(caller).await?;
        let limits = self.loan_limits()?;
        let terms = LoanTerms::new(input, &limits)?;
        Ok(quote(&terms, &limits)?)
    }
}
