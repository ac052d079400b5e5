//! What each message says, in the customer's language (zh-CN by default, en). One
//! function per kind of message, so a wording change is one place and every channel
//! says the same thing; text messages get the short form, the inbox and e-mail the
//! whole (a schedule's every row).

use chrono::NaiveDate;
use uuid::Uuid;

use crate::money::Money;
use crate::risk::text::grouped;

/// A language messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Simplified Chinese (the default).
    Chinese,
    /// English.
    English,
}

impl Language {
    /// From the customer's stored preference; anything but English is Chinese.
    pub fn of(preferred: &str) -> Self {
        if preferred.to_ascii_lowercase().starts_with("en") {
            Self::English
        } else {
            Self::Chinese
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chinese => "zh-CN",
            Self::English => "en",
        }
    }
}

/// One row of a schedule notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    /// The period (1-based).
    pub period: i32,
    /// Its due date.
    pub due_date: NaiveDate,
    /// What is due, in fen.
    pub amount_fen: i64,
}

/// A message to a customer, with the facts it announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The code that signs an agreement (asked for by the customer: sent at once, on one
    /// channel, never to the inbox of the app that asks for it).
    SigningCode {
        /// The six digits.
        code: String,
        /// How long it is valid.
        minutes: i64,
        /// The agreement it signs.
        agreement_id: Uuid,
    },
    /// A plan opened: its whole schedule.
    Schedule {
        /// The plan's principal, in fen.
        principal_fen: i64,
        /// The agreed APR as the agreement shows it (e.g. `7.76 %`), when known.
        apr: Option<String>,
        /// Every installment.
        rows: Vec<ScheduleRow>,
    },
    /// An installment falls due in a few days.
    DueSoon {
        /// Days until the due date.
        days: i64,
        /// The period.
        period: i32,
        /// The due date.
        due_date: NaiveDate,
        /// What will be debited, in fen.
        amount_fen: i64,
    },
    /// An automatic debit found too little money.
    DebitFailed {
        /// The period.
        period: i32,
        /// What it tried to collect, in fen.
        amount_fen: i64,
        /// When it will be tried again, if it will.
        next_try: Option<NaiveDate>,
    },
    /// An installment is overdue.
    Overdue {
        /// Days past its due date.
        days: i64,
        /// The period.
        period: i32,
        /// What is owed today, late charge included, in fen.
        owed_fen: i64,
    },
    /// A payment was posted to the plan.
    PaymentReceived {
        /// The amount, in fen.
        amount_fen: i64,
        /// Installments paid so far, and in all.
        periods_paid: i64,
        /// Installments in all.
        periods_total: i64,
    },
    /// Staff answered the customer's ticket.
    TicketReply {
        /// The ticket's subject, as the customer wrote it.
        subject: String,
    },
    /// The customer's ticket missed its service level and went to a supervisor.
    TicketEscalated {
        /// The ticket's subject.
        subject: String,
    },
    /// A staff campaign's message, in the texts staff wrote.
    Campaign {
        /// The Chinese subject and text (always given).
        zh: CampaignText,
        /// The English ones, when staff wrote them (else English readers get Chinese).
        en: Option<CampaignText>,
    },
    /// An invitation to the in-app satisfaction survey (a staff campaign's).
    SurveyInvite,
}

/// A subject and a text staff wrote for a campaign.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CampaignText {
    /// The subject line (inbox and e-mail).
    pub subject: String,
    /// The text.
    pub body: String,
}

/// `1,234.56`.
fn money(fen: i64) -> String {
    grouped(Money::from_fen(fen))
}

/// A schedule's rows under `header`, one line each: `{before}{period}{after}  date  amount`.
fn table(rows: &[ScheduleRow], header: &str, before: &str, after: &str) -> String {
    let mut out = format!("\n\n{header}\n");
    for r in rows {
        out.push_str(&format!(
            "{before}{}{after}  {}  {}\n",
            r.period,
            r.due_date,
            money(r.amount_fen)
        ));
    }
    out
}

impl Message {
    /// The kind, as stored and shown.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SigningCode { .. } => "signing_code",
            Self::Schedule { .. } => "schedule",
            Self::DueSoon { .. } => "due_soon",
            Self::DebitFailed { .. } => "debit_failed",
            Self::Overdue { .. } => "overdue",
            Self::PaymentReceived { .. } => "payment_received",
            Self::TicketReply { .. } => "ticket_reply",
            Self::TicketEscalated { .. } => "ticket_escalated",
            Self::Campaign { .. } => "campaign",
            Self::SurveyInvite => "survey_invite",
        }
    }

    /// Whether it waits for the customer's contact window. Only what the customer has
    /// just asked for (a signing code) goes at once.
    pub fn respects_window(&self) -> bool {
        !matches!(self, Self::SigningCode { .. })
    }

    /// The subject line and the text; `short` for a text message.
    pub fn render(&self, language: Language, short: bool) -> (String, String) {
        match language {
            Language::Chinese => self.chinese(short),
            Language::English => self.english(short),
        }
    }

    fn chinese(&self, short: bool) -> (String, String) {
        match self {
            Self::SigningCode {
                code,
                minutes,
                agreement_id,
            } => (
                "签约验证码".into(),
                format!(
                    "【Fenqi】您的签约验证码为 {code}，{minutes} 分钟内有效，请勿告诉他人。协议 {agreement_id}。Your signing code is {code}, valid {minutes} minutes."
                ),
            ),
            Self::Schedule {
                principal_fen,
                apr,
                rows,
            } => {
                let total: i64 = rows.iter().map(|r| r.amount_fen).sum();
                let first = rows.first();
                let mut body = format!(
                    "【Fenqi】您的分期计划已生效：本金 {} 元，共 {} 期，应还合计 {} 元{}。",
                    money(*principal_fen),
                    rows.len(),
                    money(total),
                    apr.as_ref()
                        .map(|a| format!("，年化利率（APR）{a}"))
                        .unwrap_or_default()
                );
                if let Some(f) = first {
                    body.push_str(&format!(
                        "首期 {} 应还 {} 元，到期日自动扣款。",
                        f.due_date,
                        money(f.amount_fen)
                    ));
                }
                if short {
                    body.push_str("完整还款计划请在 App 中查看。");
                } else {
                    body.push_str(&table(rows, "期数  到期日  应还（元）", "第 ", " 期"));
                }
                ("分期计划已生效".into(), body)
            }
            Self::DueSoon {
                days,
                period,
                due_date,
                amount_fen,
            } => (
                format!("还款提醒：{days} 天后扣款"),
                format!(
                    "【Fenqi】温馨提示：您的第 {period} 期 {} 元将于 {due_date}（{days} 天后）自动扣款，请确保账户余额充足。",
                    money(*amount_fen)
                ),
            ),
            Self::DebitFailed {
                period,
                amount_fen,
                next_try,
            } => (
                "自动扣款未成功".into(),
                format!(
                    "【Fenqi】您的第 {period} 期 {} 元因余额不足扣款未成功。{}您也可在 App 中主动还款。",
                    money(*amount_fen),
                    next_try
                        .map(|d| format!("我们将于 {d} 再次扣款，"))
                        .unwrap_or_else(|| "自动扣款已停止，".into())
                ),
            ),
            Self::Overdue {
                days,
                period,
                owed_fen,
            } => (
                format!("第 {period} 期已逾期 {days} 天"),
                format!(
                    "【Fenqi】您的第 {period} 期已逾期 {days} 天，当前应还 {} 元（含逾期费用）。请尽快在 App 中还款；如有困难，请联系我们商量。",
                    money(*owed_fen)
                ),
            ),
            Self::PaymentReceived {
                amount_fen,
                periods_paid,
                periods_total,
            } => (
                "还款成功".into(),
                format!(
                    "【Fenqi】已收到您的还款 {} 元，已还 {periods_paid}/{periods_total} 期。{}",
                    money(*amount_fen),
                    if periods_paid == periods_total {
                        "您的分期已全部还清，感谢！"
                    } else {
                        ""
                    }
                ),
            ),
            Self::TicketReply { subject } => (
                "您的问题有新回复".into(),
                format!("【Fenqi】您提交的问题“{subject}”有新的回复，请在 App 中查看。"),
            ),
            Self::TicketEscalated { subject } => (
                "您的问题已转交主管".into(),
                format!(
                    "【Fenqi】您提交的问题“{subject}”未能在承诺时间内处理，已转交主管优先跟进，给您带来不便，敬请谅解。"
                ),
            ),
            Self::Campaign { zh, .. } => (zh.subject.clone(), format!("【Fenqi】{}", zh.body)),
            Self::SurveyInvite => (
                "您对我们满意吗？".into(),
                "【Fenqi】感谢您使用 Fenqi 分期。您对我们的服务满意吗？请在 App 中为我们打分（1–5 分），您的意见帮助我们做得更好。".into(),
            ),
        }
    }

    fn english(&self, short: bool) -> (String, String) {
        match self {
            Self::SigningCode {
                code,
                minutes,
                agreement_id,
            } => (
                "Your signing code".into(),
                format!(
                    "[Fenqi] Your signing code is {code}, valid {minutes} minutes. Tell no one. Agreement {agreement_id}."
                ),
            ),
            Self::Schedule {
                principal_fen,
                apr,
                rows,
            } => {
                let total: i64 = rows.iter().map(|r| r.amount_fen).sum();
                let mut body = format!(
                    "[Fenqi] Your installment plan is active: principal {} yuan in {} installments, {} yuan in all{}.",
                    money(*principal_fen),
                    rows.len(),
                    money(total),
                    apr.as_ref()
                        .map(|a| format!(", APR {a}"))
                        .unwrap_or_default()
                );
                if let Some(f) = rows.first() {
                    body.push_str(&format!(
                        " The first, {} yuan, is debited on {}.",
                        money(f.amount_fen),
                        f.due_date
                    ));
                }
                if short {
                    body.push_str(" See the whole schedule in the app.");
                } else {
                    body.push_str(&table(rows, "Period  Due date  Amount (yuan)", "", ""));
                }
                ("Your installment plan is active".into(), body)
            }
            Self::DueSoon {
                days,
                period,
                due_date,
                amount_fen,
            } => (
                format!("Reminder: a debit in {days} day(s)"),
                format!(
                    "[Fenqi] Installment {period}, {} yuan, will be debited on {due_date} (in {days} day(s)). Please keep enough money in your account.",
                    money(*amount_fen)
                ),
            ),
            Self::DebitFailed {
                period,
                amount_fen,
                next_try,
            } => (
                "Your automatic debit did not go through".into(),
                format!(
                    "[Fenqi] We could not debit installment {period}, {} yuan: too little money in the account. {}You can also pay in the app.",
                    money(*amount_fen),
                    next_try
                        .map(|d| format!("We will try again on {d}. "))
                        .unwrap_or_else(|| "Automatic debits have stopped. ".into())
                ),
            ),
            Self::Overdue {
                days,
                period,
                owed_fen,
            } => (
                format!("Installment {period} is {days} day(s) overdue"),
                format!(
                    "[Fenqi] Installment {period} is {days} day(s) overdue; {} yuan is owed today, late charge included. Please pay in the app; if you cannot, talk to us.",
                    money(*owed_fen)
                ),
            ),
            Self::PaymentReceived {
                amount_fen,
                periods_paid,
                periods_total,
            } => (
                "Payment received".into(),
                format!(
                    "[Fenqi] We received your payment of {} yuan; {periods_paid} of {periods_total} installments are paid.{}",
                    money(*amount_fen),
                    if periods_paid == periods_total {
                        " Your plan is paid off. Thank you!"
                    } else {
                        ""
                    }
                ),
            ),
            Self::TicketReply { subject } => (
                "A reply to your question".into(),
                format!(
                    "[Fenqi] There is a reply to your question \"{subject}\". See it in the app."
                ),
            ),
            Self::TicketEscalated { subject } => (
                "Your question went to a supervisor".into(),
                format!(
                    "[Fenqi] We did not answer your question \"{subject}\" in the time we promised. A supervisor now follows it up first. We are sorry for the wait."
                ),
            ),
            Self::Campaign { en, .. } => match en {
                Some(en) => (en.subject.clone(), format!("[Fenqi] {}", en.body)),
                None => self.chinese(short),
            },
            Self::SurveyInvite => (
                "How are we doing?".into(),
                "[Fenqi] Thank you for repaying with Fenqi. How satisfied are you with our service? Give us a score from 1 to 5 in the app: it helps us do better.".into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_reminder_reads_the_same_facts_in_both_languages() {
        let m = Message::DueSoon {
            days: 3,
            period: 2,
            due_date: day("2027-02-10"),
            amount_fen: 105_803,
        };
        let (subject, body) = m.render(Language::Chinese, true);
        assert_eq!(subject, "还款提醒：3 天后扣款");
        assert!(
            body.contains("第 2 期 1,058.03 元将于 2027-02-10"),
            "{body}"
        );
        let (_, body) = m.render(Language::English, true);
        assert!(
            body.contains("Installment 2, 1,058.03 yuan, will be debited on 2027-02-10"),
            "{body}"
        );
        assert!(m.respects_window());
    }

    #[test]
    fn a_schedule_notice_lists_every_row_except_in_a_text_message() {
        let m = Message::Schedule {
            principal_fen: 1_200_000,
            apr: Some("7.76 %".into()),
            rows: (1..=12)
                .map(|p| ScheduleRow {
                    period: p,
                    due_date: day("2027-01-10") + chrono::Months::new(p as u32 - 1),
                    amount_fen: 104_107,
                })
                .collect(),
        };
        let (_, long) = m.render(Language::Chinese, false);
        assert!(long.contains("第 12 期  2027-12-10  1,041.07"), "{long}");
        assert!(long.contains("年化利率（APR）7.76 %"), "{long}");
        let (_, short) = m.render(Language::Chinese, true);
        assert!(!short.contains("第 12 期"), "{short}");
        assert!(short.contains("12,492.84"), "{short}");
    }

    #[test]
    fn only_a_code_the_customer_asked_for_skips_the_window() {
        let code = Message::SigningCode {
            code: "123456".into(),
            minutes: 10,
            agreement_id: Uuid::nil(),
        };
        assert!(!code.respects_window());
        assert_eq!(Language::of("en-US"), Language::English);
        assert_eq!(Language::of("zh-CN"), Language::Chinese);
    }
}
