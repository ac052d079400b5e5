//! The agreement document, rendered from a versioned template in the customer's language
//! (zh-CN by default, or en). Pure: the same facts always give the same bytes, so the
//! document's SHA-256 fixed at issue can be checked again at any time. Every text that
//! comes from data is HTML-escaped.

use serde::{Deserialize, Serialize};

/// The template's version, stored with each agreement.
pub const TEMPLATE_VERSION: &str = "agreement-2026-11/1";

/// One row of the schedule table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The installment's number.
    pub period: u32,
    /// Its due date, `YYYY-MM-DD`.
    pub due_date: String,
    /// Payment, principal, interest, fee, remaining principal: yuan with two decimals.
    pub amounts: [String; 5],
}

/// Everything the document states. Stored with the agreement (JSON), so that the
/// document can be rendered again and compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// `zh-CN` or `en`.
    pub language: String,
    /// The agreement's number.
    pub number: String,
    /// The day it was issued, `YYYY-MM-DD`.
    pub issued_on: String,
    /// The customer's name.
    pub customer_name: String,
    /// The customer's ID number, masked.
    pub id_number_masked: String,
    /// The lender: the bank, or the partner platform.
    pub lender: String,
    /// The product's name.
    pub product: String,
    /// The amount in figures, yuan.
    pub amount: String,
    /// The amount in capital numerals.
    pub amount_capital: String,
    /// The repayment method's name.
    pub method: String,
    /// Installments and how often, in words.
    pub term: String,
    /// The nominal annual rate (or the fee per period), as a percent.
    pub rate: String,
    /// The APR, as a percent.
    pub apr: String,
    /// Interest over the plan, yuan.
    pub total_interest: String,
    /// Fees over the plan, yuan.
    pub total_fees: String,
    /// The day of the month payments fall due.
    pub payment_day: u32,
    /// Late charges, in words.
    pub late_charge: String,
    /// Early repayment, in words.
    pub prepayment: String,
    /// The platform's disclosure: policy, fees, and its SHA-256.
    pub disclosure: [String; 3],
    /// The schedule.
    pub rows: Vec<Row>,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The template's words in one language; the PDF sets the same words as the HTML.
#[derive(Debug)]
pub(crate) struct Labels {
    pub(crate) title: &'static str,
    pub(crate) number: &'static str,
    pub(crate) issued: &'static str,
    pub(crate) borrower: &'static str,
    pub(crate) id_number: &'static str,
    pub(crate) lender: &'static str,
    pub(crate) product: &'static str,
    pub(crate) amount: &'static str,
    pub(crate) capital: &'static str,
    pub(crate) method: &'static str,
    pub(crate) term: &'static str,
    pub(crate) rate: &'static str,
    pub(crate) apr: &'static str,
    pub(crate) interest: &'static str,
    pub(crate) fees: &'static str,
    pub(crate) payment_day: &'static str,
    pub(crate) late: &'static str,
    pub(crate) prepay: &'static str,
    pub(crate) disclosure: &'static str,
    pub(crate) schedule: &'static str,
    pub(crate) columns: [&'static str; 7],
    pub(crate) footer: &'static str,
    /// PDF only: where the PDF comes from (followed by the SHA-256 of the record).
    pub(crate) record: &'static str,
    /// PDF only: "page {n} of {m}", with `{n}` and `{m}` to fill in.
    pub(crate) page: &'static str,
}

const ZH: Labels = Labels {
    title: "分期付款协议",
    number: "协议编号",
    issued: "签发日期",
    borrower: "甲方（借款人）",
    id_number: "证件号码",
    lender: "乙方（贷款人）",
    product: "产品",
    amount: "借款金额",
    capital: "大写",
    method: "还款方式",
    term: "期限",
    rate: "利率",
    apr: "年化利率（APR）",
    interest: "利息合计",
    fees: "费用合计",
    payment_day: "每期还款日",
    late: "逾期费用",
    prepay: "提前还款",
    disclosure: "平台信息披露",
    schedule: "还款计划",
    columns: [
        "期数",
        "到期日",
        "应还金额",
        "本金",
        "利息",
        "费用",
        "剩余本金",
    ],
    footer: "本协议以电子方式签发，其内容由 SHA-256 摘要固定。",
    record: "本 PDF 由签发的协议原件生成，原件 SHA-256：",
    page: "第 {n} 页 / 共 {m} 页",
};

const EN: Labels = Labels {
    title: "Installment Agreement",
    number: "Agreement No.",
    issued: "Issued on",
    borrower: "Party A (borrower)",
    id_number: "ID number",
    lender: "Party B (lender)",
    product: "Product",
    amount: "Amount",
    capital: "in capitals",
    method: "Repayment method",
    term: "Term",
    rate: "Rate",
    apr: "APR (annual percentage rate)",
    interest: "Total interest",
    fees: "Total fees",
    payment_day: "Payment day",
    late: "Late payment",
    prepay: "Early repayment",
    disclosure: "The platform's disclosure",
    schedule: "Repayment schedule",
    columns: [
        "No.",
        "Due date",
        "Payment",
        "Principal",
        "Interest",
        "Fee",
        "Remaining",
    ],
    footer: "Issued electronically; its content is fixed by its SHA-256 digest.",
    record: "This PDF is made from the issued agreement, whose SHA-256 is",
    page: "Page {n} of {m}",
};

/// The words of `language` (`en`, or zh-CN for anything else).
pub(crate) fn labels(language: &str) -> &'static Labels {
    if language == "en" { &EN } else { &ZH }
}

/// Every word either language of the template prints: a font for agreements must have
/// all of them.
pub(crate) fn template_text() -> String {
    let mut text = String::from("0123456789 .,:;-+%/()#*¥￥");
    for l in [&ZH, &EN] {
        for word in [
            l.title,
            l.number,
            l.issued,
            l.borrower,
            l.id_number,
            l.lender,
            l.product,
            l.amount,
            l.capital,
            l.method,
            l.term,
            l.rate,
            l.apr,
            l.interest,
            l.fees,
            l.payment_day,
            l.late,
            l.prepay,
            l.disclosure,
            l.schedule,
            l.footer,
            l.record,
            l.page,
        ] {
            text.push_str(word);
        }
        for column in l.columns {
            text.push_str(column);
        }
    }
    text
}

/// The document of `facts`.
pub fn render(facts: &Facts) -> String {
    let l = labels(&facts.language);
    let e = escape;
    let mut rows = String::new();
    for r in &facts.rows {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            r.period,
            e(&r.due_date),
            e(&r.amounts[0]),
            e(&r.amounts[1]),
            e(&r.amounts[2]),
            e(&r.amounts[3]),
            e(&r.amounts[4])
        ));
    }
    let head: String = l.columns.iter().map(|c| format!("<th>{c}</th>")).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title} {number}</title>\n\
<style>body{{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",sans-serif;max-width:56em;margin:2em auto}}\
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:2px 6px;text-align:right}}\
.cost{{font-size:1.4em;font-weight:bold}}</style></head><body>\n\
<h1>{title}</h1>\n<p>{l_number}: {number}<br>{l_issued}: {issued}<br>template {template}</p>\n\
<p>{l_borrower}: {name} ({l_id}: {id})<br>{l_lender}: {lender}</p>\n\
<table class=\"terms\">\n\
<tr><th>{l_product}</th><td>{product}</td></tr>\n\
<tr><th>{l_amount}</th><td>{amount} ({l_capital}: {capital})</td></tr>\n\
<tr><th>{l_method}</th><td>{method}</td></tr>\n\
<tr><th>{l_term}</th><td>{term}</td></tr>\n\
<tr><th>{l_rate}</th><td class=\"cost\">{rate}</td></tr>\n\
<tr><th>{l_apr}</th><td class=\"cost\">{apr}</td></tr>\n\
<tr><th>{l_interest}</th><td>{interest}</td></tr>\n\
<tr><th>{l_fees}</th><td>{fees}</td></tr>\n\
<tr><th>{l_day}</th><td>{day}</td></tr>\n\
<tr><th>{l_late}</th><td>{late}</td></tr>\n\
<tr><th>{l_prepay}</th><td>{prepay}</td></tr>\n\
</table>\n<h2>{l_disclosure}</h2>\n<p>{policy}</p>\n<pre>{fee_text}</pre>\n<p>SHA-256: {disclosure_sha}</p>\n\
<h2>{l_schedule}</h2>\n<table class=\"schedule\">\n<tr>{head}</tr>\n{rows}</table>\n<p>{footer}</p>\n</body></html>\n",
        lang = if facts.language == "en" {
            "en"
        } else {
            "zh-CN"
        },
        title = l.title,
        number = e(&facts.number),
        l_number = l.number,
        l_issued = l.issued,
        issued = e(&facts.issued_on),
        template = TEMPLATE_VERSION,
        l_borrower = l.borrower,
        name = e(&facts.customer_name),
        l_id = l.id_number,
        id = e(&facts.id_number_masked),
        l_lender = l.lender,
        lender = e(&facts.lender),
        l_product = l.product,
        product = e(&facts.product),
        l_amount = l.amount,
        amount = e(&facts.amount),
        l_capital = l.capital,
        capital = e(&facts.amount_capital),
        l_method = l.method,
        method = e(&facts.method),
        l_term = l.term,
        term = e(&facts.term),
        l_rate = l.rate,
        rate = e(&facts.rate),
        l_apr = l.apr,
        apr = e(&facts.apr),
        l_interest = l.interest,
        interest = e(&facts.total_interest),
        l_fees = l.fees,
        fees = e(&facts.total_fees),
        l_day = l.payment_day,
        day = facts.payment_day,
        l_late = l.late,
        late = e(&facts.late_charge),
        l_prepay = l.prepay,
        prepay = e(&facts.prepayment),
        l_disclosure = l.disclosure,
        policy = e(&facts.disclosure[0]),
        fee_text = e(&facts.disclosure[1]),
        disclosure_sha = e(&facts.disclosure[2]),
        l_schedule = l.schedule,
        head = head,
        rows = rows,
        footer = l.footer,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_inject_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;"
        );
    }
}
