//! Which articles fit a customer's situation, pure: each fact about them points to a
//! topic (a tag), most pressing first. An overdue installment needs "what to do when you
//! cannot pay" before anything else; a new plan, how automatic debit works; debts that
//! take a large share of income, budgeting. Everyone may read the basics.

use rust_decimal::Decimal;

/// Tag of articles for customers behind on a payment.
pub const HARDSHIP: &str = "hardship";
/// Tag of articles on how repayment works, for new plans.
pub const AUTO_DEBIT: &str = "auto-debit";
/// Tag of articles on managing a budget, for a high debt-to-income ratio.
pub const BUDGETING: &str = "budgeting";
/// Tag of articles for everyone.
pub const BASICS: &str = "basics";

/// A plan counts as new for this many days after it opens.
pub const NEW_PLAN_DAYS: i64 = 60;

/// What the recommendations read about a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Situation {
    /// An installment of an active plan is past due.
    pub overdue: bool,
    /// A plan opened within [`NEW_PLAN_DAYS`].
    pub new_plan: bool,
    /// Existing monthly debt payments over monthly income, when both are known.
    pub debt_to_income: Option<Decimal>,
}

/// Debt payments above this share of income are high (the usual affordability line).
pub fn high_dti() -> Decimal {
    Decimal::new(40, 2)
}

/// A topic to recommend and why, in the customer's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// The tag.
    pub tag: &'static str,
    /// Why it is recommended, in English.
    pub reason: &'static str,
    /// Why it is recommended, in Chinese.
    pub reason_zh: &'static str,
}

impl Topic {
    /// The reason in `language` (`zh-CN` or `en`).
    pub fn reason_in(&self, language: &str) -> &'static str {
        if language == "en" {
            self.reason
        } else {
            self.reason_zh
        }
    }
}

/// The topics for `situation`, most pressing first; the basics always last.
pub fn topics(situation: Situation) -> Vec<Topic> {
    let mut out = Vec::new();
    if situation.overdue {
        out.push(Topic {
            tag: HARDSHIP,
            reason: "An installment is overdue: here is what you can do.",
            reason_zh: "您有一期已逾期：看看可以怎么办。",
        });
    }
    if situation.new_plan {
        out.push(Topic {
            tag: AUTO_DEBIT,
            reason: "Your plan is new: how its automatic debits work.",
            reason_zh: "您的分期刚开始：了解自动扣款如何进行。",
        });
    }
    if situation.debt_to_income.is_some_and(|d| d > high_dti()) {
        out.push(Topic {
            tag: BUDGETING,
            reason: "Your debt payments take a large share of your income.",
            reason_zh: "您的月供占收入的比例较高。",
        });
    }
    out.push(Topic {
        tag: BASICS,
        reason: "Good to know for every borrower.",
        reason_zh: "每位借款人都值得了解。",
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn tags(s: Situation) -> Vec<&'static str> {
        topics(s).into_iter().map(|t| t.tag).collect()
    }

    #[test]
    fn recommendations_follow_the_situation() {
        assert_eq!(tags(Situation::default()), vec![BASICS]);
        let new = Situation {
            new_plan: true,
            ..Situation::default()
        };
        assert_eq!(tags(new), vec![AUTO_DEBIT, BASICS]);
        let behind = Situation {
            overdue: true,
            new_plan: true,
            debt_to_income: Some(dec!(0.55)),
        };
        assert_eq!(tags(behind), vec![HARDSHIP, AUTO_DEBIT, BUDGETING, BASICS]);
        let at_line = Situation {
            debt_to_income: Some(dec!(0.40)),
            ..Situation::default()
        };
        assert_eq!(tags(at_line), vec![BASICS]);
    }
}
