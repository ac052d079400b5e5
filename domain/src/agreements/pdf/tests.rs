//! The PDF read back with a PDF text extractor: the Chinese clauses, the amount in capitals
//! and the APR come out as text, the same facts give the same bytes, and a character the
//! font lacks is named instead of printed as a box.

use super::*;
use crate::agreements::render::Row;

fn facts(language: &str, periods: u32) -> Facts {
    let zh = language != "en";
    Facts {
        language: language.to_owned(),
        number: "01938b6e-7c2a-7d40-9a55-3f1c2b4d5e6f".to_owned(),
        issued_on: "2026-11-29".to_owned(),
        customer_name: if zh { "欧阳娜娜" } else { "Wang Fang" }.to_owned(),
        id_number_masked: "1101**********123X".to_owned(),
        lender: if zh { "本行分期平台" } else { "The bank" }.to_owned(),
        product: if zh {
            "个人消费分期"
        } else {
            "Personal installments"
        }
        .to_owned(),
        amount: if zh { "12345.67 元" } else { "12345.67 yuan" }.to_owned(),
        amount_capital: "壹万贰仟叁佰肆拾伍元陆角柒分".to_owned(),
        method: if zh {
            "等额本息"
        } else {
            "Equal installments"
        }
        .to_owned(),
        term: if zh {
            "12 期（按月）"
        } else {
            "12 installments, monthly"
        }
        .to_owned(),
        rate: if zh {
            "7.20% 年利率"
        } else {
            "7.20% a year"
        }
        .to_owned(),
        apr: "7.44%".to_owned(),
        total_interest: "481.90".to_owned(),
        total_fees: "0.00".to_owned(),
        payment_day: 15,
        late_charge: if zh {
            "逾期本金按日万分之五计收罚息，宽限期 3 天。"
        } else {
            "Penalty interest of 0.05% a day on overdue principal, after 3 days' grace."
        }
        .to_owned(),
        prepayment: if zh {
            "可随时提前还款，不收取违约金。"
        } else {
            "Repay early at any time, without a charge."
        }
        .to_owned(),
        disclosure: [
            "本行自营分期，资金由本行提供。".to_owned(),
            "手续费：无\n逾期：按日计收罚息".to_owned(),
            "9f2c".repeat(16),
        ],
        rows: (1..=periods)
            .map(|n| Row {
                period: n,
                due_date: format!("{}-{:02}-15", 2026 + (n + 10) / 12, (n + 10) % 12 + 1),
                amounts: [
                    "1069.01".into(),
                    "994.94".into(),
                    "74.07".into(),
                    "0.00".into(),
                    "11350.73".into(),
                ],
            })
            .collect(),
    }
}

fn text_of(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf).expect("the PDF's text can be extracted")
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_chinese_clauses_capitals_and_apr_extract_as_text() {
    let font = AgreementFont::bundled();
    let pdf = render_pdf(&facts("zh-CN", 12), &"ab".repeat(32), &font).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = squeeze(&text_of(&pdf));
    for expected in [
        "分期付款协议",
        "甲方（借款人）:欧阳娜娜",
        "壹万贰仟叁佰肆拾伍元陆角柒分",
        "年化利率（APR）",
        "7.44%",
        "逾期本金按日万分之五计收罚息，宽限期3天。",
        "可随时提前还款，不收取违约金。",
        "还款计划",
        "本协议以电子方式签发，其内容由SHA-256摘要固定。",
        &"ab".repeat(32),
        "第1页/共2页",
        "第2页/共2页",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "'{expected}' not in:\n{text}"
        );
    }
}

#[test]
fn the_english_template_and_a_long_schedule_run_onto_numbered_pages() {
    let font = AgreementFont::bundled();
    let pdf = render_pdf(&facts("en", 60), &"cd".repeat(32), &font).unwrap();
    let text = text_of(&pdf);
    assert!(text.contains("Installment Agreement"), "{text}");
    assert!(
        squeeze(&text).contains("APR(annualpercentagerate)7.44%"),
        "{text}"
    );
    for page in ["Page1of3", "Page2of3", "Page3of3"] {
        assert!(
            squeeze(&text).contains(page),
            "60 rows take three pages:\n{text}"
        );
    }
    // Every installment is printed once.
    assert_eq!(text.matches("11350.73").count(), 60);
}

#[test]
fn the_same_agreement_gives_the_same_bytes() {
    let font = AgreementFont::bundled();
    let a = render_pdf(&facts("zh-CN", 24), "00", &font).unwrap();
    let b = render_pdf(&facts("zh-CN", 24), "00", &font).unwrap();
    assert_eq!(a, b);
    // Only the glyphs used are embedded: far smaller than the 1.8 MB font.
    assert!(a.len() < 200_000, "{} bytes", a.len());
}

#[test]
fn a_character_the_font_lacks_is_named_not_printed_as_a_box() {
    let font = AgreementFont::bundled();
    let mut rare = facts("zh-CN", 3);
    rare.customer_name = "李䶮".to_owned();
    let err = render_pdf(&rare, "00", &font).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, PdfError::FontIncomplete { .. }));
    assert!(message.contains("'䶮' (U+4DAE)"), "{message}");
    assert!(message.contains("FENQI_AGREEMENT_FONT"), "{message}");
}
