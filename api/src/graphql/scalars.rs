//! Scalars with exact, unambiguous wire formats: `Decimal` travels as a string so no
//! client or JSON parser ever turns money into a binary float; `Date` is an ISO date.

use std::str::FromStr;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// An exact decimal number, sent and received as a string: `"1234.56"`. Integers are also
/// accepted as JSON numbers; fractions only as strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => rust_decimal::Decimal::from_str(s.trim())
                .map(Decimal)
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "'{s}' is not a decimal number; write it like \"1234.56\""
                    ))
                }),
            Value::Number(n) if n.is_i64() => n
                .as_i64()
                .map(|i| Decimal(rust_decimal::Decimal::from(i)))
                .ok_or_else(|| InputValueError::custom("not an integer")),
            Value::Number(_) => Err(InputValueError::custom(
                "send decimal fractions as strings (\"0.0435\"), never as floating-point numbers",
            )),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// Checked during validation too, so that a bad value is reported with the path of
    /// the argument it was given for (`input.principal`), which the form needs.
    fn is_valid(value: &Value) -> bool {
        match value {
            Value::String(s) => rust_decimal::Decimal::from_str(s.trim()).is_ok(),
            Value::Number(n) => n.is_i64(),
            _ => false,
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A calendar date in ISO 8601 (`2026-11-29`), in the bank's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("'{s}' is not a date like 2026-11-29"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// Checked during validation too (see [`Decimal`]).
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}
