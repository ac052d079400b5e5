//! Interest and fee rates as exact decimal fractions.
