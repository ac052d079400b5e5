//! What we ask a bureau: who the person is and why we ask.

use std::fmt;

use uuid::Uuid;

/// A request for one person's credit report.
///
/// Its Debug output masks the ID number and the name, so a query can appear in logs and
/// error reports without leaking personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct CreditQuery {
    /// The 18-character resident ID number (already validated by the caller): bureaus
    /// identify people by it.
    pub id_number: String,
    /// The person's full name, which bureaus match against the ID number.
    pub name: String,
    /// Why we ask (e.g. `installment_application`): inquiries must state a permissible
    /// purpose, and bureaus record it.
    pub purpose: String,
    /// Our own customer id, when the person is a known customer: lets the bank's internal
    /// ledger find its own history. External bureaus are never sent it.
    pub customer_ref: Option<Uuid>,
}

impl CreditQuery {
    /// The ID number masked for display: first 3 and last 4 characters kept.
    pub fn masked_id_number(&self) -> String {
        mask_id_number(&self.id_number)
    }
}

impl fmt::Debug for CreditQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreditQuery")
            .field("id_number", &self.masked_id_number())
            .field("name", &mask_name(&self.name))
            .field("purpose", &self.purpose)
            .field("customer_ref", &self.customer_ref)
            .finish()
    }
}

/// Masks an ID number for logs and messages, keeping the first 3 and last 4 characters
/// (`110***********1239`): enough to tell records apart, too little to identify a person.
/// Values too short to keep both ends are masked entirely.
pub fn mask_id_number(id_number: &str) -> String {
    const HEAD: usize = 3;
    const TAIL: usize = 4;
    let chars: Vec<char> = id_number.chars().collect();
    if chars.len() <= HEAD + TAIL {
        return "*".repeat(chars.len());
    }
    let mut masked: String = chars[..HEAD].iter().collect();
    masked.push_str(&"*".repeat(chars.len() - HEAD - TAIL));
    masked.extend(&chars[chars.len() - TAIL..]);
    masked
}

/// Keeps a name's first character (`张**`): a name next to a masked ID is still personal
/// data.
fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> CreditQuery {
        CreditQuery {
            id_number: "110105199003071239".into(),
            name: "张三丰".into(),
            purpose: "installment_application".into(),
            customer_ref: None,
        }
    }

    #[test]
    fn debug_masks_the_id_number_and_the_name() {
        let shown = format!("{:?}", query());
        assert!(shown.contains("110***********1239"), "{shown}");
        assert!(!shown.contains("110105199003071239"), "{shown}");
        assert!(shown.contains("张**"), "{shown}");
        assert!(!shown.contains("三丰"), "{shown}");
        assert!(shown.contains("installment_application"), "{shown}");
        let pretty = format!("{:#?}", query());
        assert!(!pretty.contains("19900307"), "{pretty}");
    }

    #[test]
    fn masking_keeps_three_and_four_and_survives_odd_input() {
        assert_eq!(mask_id_number("11010519900307123X"), "110***********123X");
        assert_eq!(mask_id_number("12345678"), "123*5678");
        assert_eq!(mask_id_number("1234567"), "*******");
        assert_eq!(mask_id_number(""), "");
        assert_eq!(mask_id_number("一二三四五六七八九"), "一二三**六七八九");
    }
}
