//! Money and rates as exact decimals on the wire.

use domain::money::Money;

use crate::graphql::scalars::Decimal;

/// Money as the `Decimal` scalar, in yuan with two decimals.
pub fn money(m: Money) -> Decimal {
    Decimal(m.amount())
}
