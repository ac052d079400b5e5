//! Amounts in Chinese capital numerals (大写金额), as an agreement and a bank form state
//! them beside the figures, so that no digit can be altered by a stroke: 12,345.67 yuan is
//! 壹万贰仟叁佰肆拾伍元陆角柒分.
//!
//! The rules (the PBOC's 支付结算办法 for written amounts):
//! * digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four, groups 万 and 亿;
//! * a run of zeros inside the yuan is written as one 零; zeros at the end of a group are
//!   not written (壹佰万零壹元);
//! * an amount ending at the yuan or the jiao is followed by 整 (壹拾元整, 壹佰元壹角整);
//!   one with fen is not;
//! * a zero jiao between yuan and fen is written 零 (壹佰元零伍分); an amount below one
//!   yuan starts at its jiao or fen (伍分);
//! * ten is 壹拾, never a bare 拾, so that nothing can be written in front of it.

use crate::money::Money;

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
const GROUPS: [&str; 4] = ["", "万", "亿", "万亿"];

/// A group of up to four digits (0–9999), with a leading 零 when it follows a larger
/// group and does not fill its thousands.
fn group(value: u64, after_larger: bool) -> String {
    let mut out = String::new();
    let mut zero_pending = after_larger && value < 1000;
    for position in (0..4).rev() {
        let digit = (value / 10u64.pow(position)) % 10;
        if digit == 0 {
            if !out.is_empty() {
                zero_pending = true;
            }
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        out.push(DIGITS[digit as usize]);
        out.push_str(UNITS[position as usize]);
    }
    out
}

/// The whole yuan of an amount, or empty for zero.
fn yuan(mut value: u64) -> String {
    let mut groups = Vec::new();
    while value > 0 {
        groups.push(value % 10_000);
        value /= 10_000;
    }
    let mut out = String::new();
    let mut pending_zero = false;
    for (index, g) in groups.iter().enumerate().rev() {
        if *g == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        let after_larger = !out.is_empty();
        if pending_zero && *g >= 1000 {
            out.push('零');
        }
        pending_zero = false;
        out.push_str(&group(*g, after_larger));
        out.push_str(GROUPS[index.min(GROUPS.len() - 1)]);
    }
    out
}

/// `money` in capital numerals. A negative amount is written with 负 in front (a refund
/// or a correction; never a loan amount).
pub fn capital(money: Money) -> String {
    let fen_total = money.to_fen();
    let sign = if fen_total < 0 { "负" } else { "" };
    let fen_total = fen_total.unsigned_abs();
    let whole = fen_total / 100;
    let jiao = (fen_total / 10) % 10;
    let fen = fen_total % 10;
    let mut out = String::from(sign);
    let yuan_text = yuan(whole);
    if !yuan_text.is_empty() {
        out.push_str(&yuan_text);
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) if yuan_text.is_empty() => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(DIGITS[j as usize]);
            out.push_str("角整");
        }
        (0, f) => {
            if !yuan_text.is_empty() {
                out.push('零');
            }
            out.push(DIGITS[f as usize]);
            out.push('分');
        }
        (j, f) => {
            out.push(DIGITS[j as usize]);
            out.push('角');
            out.push(DIGITS[f as usize]);
            out.push('分');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan_of(fen: i64) -> String {
        capital(Money::from_fen(fen))
    }

    #[test]
    fn the_issue_s_amounts() {
        assert_eq!(yuan_of(5), "伍分");
        assert_eq!(yuan_of(1_000), "壹拾元整");
        assert_eq!(yuan_of(10_010), "壹佰元壹角整");
        assert_eq!(yuan_of(100_000_100), "壹佰万零壹元整");
        assert_eq!(yuan_of(1_234_567), "壹万贰仟叁佰肆拾伍元陆角柒分");
    }

    #[test]
    fn zeros_inside_and_at_the_edges() {
        assert_eq!(yuan_of(0), "零元整");
        assert_eq!(yuan_of(10_005), "壹佰元零伍分");
        assert_eq!(yuan_of(100_100), "壹仟零壹元整");
        assert_eq!(yuan_of(1_001_000), "壹万零壹拾元整");
        assert_eq!(yuan_of(1_000_000), "壹万元整");
        assert_eq!(yuan_of(1_010_000), "壹万零壹佰元整");
        assert_eq!(yuan_of(10_000_000_000), "壹亿元整");
        assert_eq!(yuan_of(10_000_000_100), "壹亿零壹元整");
        assert_eq!(yuan_of(10_001_000_000), "壹亿零壹万元整");
        assert_eq!(yuan_of(10_010_000_000), "壹亿零壹拾万元整");
        assert_eq!(yuan_of(12_000_000), "壹拾贰万元整");
        assert_eq!(yuan_of(20), "贰角整");
        assert_eq!(yuan_of(-5_050), "负伍拾元伍角整");
    }
}
