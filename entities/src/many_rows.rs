//! Statements that change many rows at once, each its own way: a close of business posts
//! dozens of debits in one transaction, and one `UPDATE` per row would cost a round trip
//! each. `CASE` keeps it one statement on both backends (SQLite and PostgreSQL), with every
//! value bound, never spliced into the text.

use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{ColumnTrait, Value};
use uuid::Uuid;

/// `CASE WHEN key = id₁ THEN v₁ … ELSE <target> END`: the value of `target` for each row
/// named by its `key`, and the row's own value for any other (the caller's `WHERE key IN
/// (…)` keeps others out anyway).
pub fn per_row<K, T, V>(key: K, target: T, rows: impl IntoIterator<Item = (Uuid, V)>) -> Expr
where
    K: ColumnTrait,
    T: ColumnTrait,
    V: Into<Value>,
{
    let mut case = CaseStatement::new();
    for (id, value) in rows {
        case = case.case(key.eq(id), Expr::value(value));
    }
    case.finally(Expr::col(target)).into()
}
