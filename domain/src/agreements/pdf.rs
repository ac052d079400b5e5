//! The agreement as a PDF: the same words as the HTML of record ([`super::render`]), set on
//! A4 pages in an embedded CJK font, so the customer can keep, print or forward it and its
//! Chinese text can be copied and searched. Pure: the same facts and font always give the
//! same bytes. Each page's footer names the SHA-256 of the HTML record, which stays the
//! document that is signed and archived.

mod font;
mod layout;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;

pub use font::{AgreementFont, FontError};
use layout::{Align, Layout, MARGIN, Op, PAGE_HEIGHT, PAGE_WIDTH, WIDTH, baseline};

use super::render::{Facts, TEMPLATE_VERSION, labels};

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The font lacks characters this document prints.
    #[error(
        "This agreement's PDF cannot be set: the agreement font ({source_name}) has no glyph for {missing}, which it prints, and a box is never printed instead. The HTML document is unaffected; the operator can name a fuller font with FENQI_AGREEMENT_FONT."
    )]
    FontIncomplete {
        /// Where the font came from.
        source_name: String,
        /// The characters, quoted.
        missing: String,
    },
    /// The PDF writer refused (a bug: the layout only makes what it accepts).
    #[error("the PDF could not be written: {0}")]
    Writer(String),
}

/// The agreement of `facts`, whose HTML record has the SHA-256 `record_sha256`, as a PDF.
pub fn render_pdf(
    facts: &Facts,
    record_sha256: &str,
    font: &AgreementFont,
) -> Result<Vec<u8>, PdfError> {
    let l = labels(&facts.language);
    let texts = Texts::of(facts, record_sha256);
    let missing = font.missing(&texts.all());
    if !missing.is_empty() {
        return Err(PdfError::FontIncomplete {
            source_name: font.source().to_owned(),
            missing: missing
                .iter()
                .map(|c| format!("'{c}' (U+{:04X})", *c as u32))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }

    let mut body = Layout::new(font.ruler());
    body.paragraph(l.title, 18.0, false, true);
    body.gap(6.0);
    for line in &texts.heading {
        body.paragraph(line, 9.0, true, false);
    }
    body.gap(8.0);
    for line in &texts.parties {
        body.paragraph(line, 10.5, false, false);
    }
    body.gap(8.0);
    let terms: Vec<(&str, String, f32)> = texts
        .terms
        .iter()
        .map(|(label, value, size)| (*label, value.clone(), *size))
        .collect();
    body.terms(&terms, 150.0);
    body.gap(14.0);
    body.paragraph(l.disclosure, 13.0, false, false);
    body.gap(2.0);
    body.paragraph(&facts.disclosure[0], 10.0, false, false);
    body.paragraph(&facts.disclosure[1], 9.5, false, false);
    body.paragraph(
        &format!("SHA-256: {}", facts.disclosure[2]),
        8.0,
        true,
        false,
    );
    body.gap(14.0);
    // The schedule's heading, its header and a few installments start on one page.
    body.room_for(110.0);
    body.paragraph(l.schedule, 13.0, false, false);
    body.gap(4.0);
    let amount = (WIDTH - 36.0 - 70.0) / 5.0;
    body.table(
        &l.columns,
        &[36.0, 70.0, amount, amount, amount, amount, amount],
        &[
            Align::Right,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &texts.schedule,
        9.0,
    );
    body.gap(10.0);
    body.paragraph(l.footer, 9.0, true, false);
    let footer_ruler = font.ruler();
    let mut pages = body.finish();
    let count = pages.len();
    for (n, page) in pages.iter_mut().enumerate() {
        footer(page, &footer_ruler, facts, record_sha256, n + 1, count);
    }
    draw(&pages, facts, font)
}

/// Every text the document prints, gathered once so the font can be checked before any
/// page is set.
struct Texts {
    heading: Vec<String>,
    parties: Vec<String>,
    terms: Vec<(&'static str, String, f32)>,
    schedule: Vec<Vec<String>>,
    record: String,
}

impl Texts {
    fn of(facts: &Facts, record_sha256: &str) -> Self {
        let l = labels(&facts.language);
        let cost = 13.0;
        let plain = 10.0;
        Self {
            heading: vec![
                format!("{}: {}", l.number, facts.number),
                format!("{}: {}", l.issued, facts.issued_on),
                format!("template {TEMPLATE_VERSION}"),
            ],
            parties: vec![
                format!(
                    "{}: {} ({}: {})",
                    l.borrower, facts.customer_name, l.id_number, facts.id_number_masked
                ),
                format!("{}: {}", l.lender, facts.lender),
            ],
            terms: vec![
                (l.product, facts.product.clone(), plain),
                (
                    l.amount,
                    format!("{} ({}: {})", facts.amount, l.capital, facts.amount_capital),
                    plain,
                ),
                (l.method, facts.method.clone(), plain),
                (l.term, facts.term.clone(), plain),
                // The APR is set exactly as large as the rate, beside it.
                (l.rate, facts.rate.clone(), cost),
                (l.apr, facts.apr.clone(), cost),
                (l.interest, facts.total_interest.clone(), plain),
                (l.fees, facts.total_fees.clone(), plain),
                (l.payment_day, facts.payment_day.to_string(), plain),
                (l.late, facts.late_charge.clone(), plain),
                (l.prepay, facts.prepayment.clone(), plain),
            ],
            schedule: facts
                .rows
                .iter()
                .map(|r| {
                    let mut row = vec![r.period.to_string(), r.due_date.clone()];
                    row.extend(r.amounts.iter().cloned());
                    row
                })
                .collect(),
            record: format!("{} {record_sha256}", l.record),
        }
    }

    fn all(&self) -> String {
        let mut all = String::new();
        for text in self
            .heading
            .iter()
            .chain(&self.parties)
            .chain([&self.record])
        {
            all.push_str(text);
        }
        for (label, value, _) in &self.terms {
            all.push_str(label);
            all.push_str(value);
        }
        for row in &self.schedule {
            all.extend(row.iter().map(String::as_str));
        }
        all
    }
}

/// The footer of page `n` of `count`: where the PDF comes from, with the record's
/// SHA-256, and the page number.
fn footer(
    page: &mut Vec<Op>,
    ruler: &font::Ruler<'_>,
    facts: &Facts,
    record_sha256: &str,
    n: usize,
    count: usize,
) {
    let l = labels(&facts.language);
    let size = 7.0;
    let top = PAGE_HEIGHT - 58.0;
    page.push(Op::Rule {
        x1: MARGIN,
        y1: top - 6.0,
        x2: MARGIN + WIDTH,
        y2: top - 6.0,
    });
    let mut y = top + baseline(size);
    for line in layout::wrap(ruler, &format!("{} {record_sha256}", l.record), size, WIDTH) {
        page.push(Op::Text {
            x: MARGIN,
            y,
            size,
            text: line,
            grey: true,
        });
        y += size * 1.5;
    }
    page.push(Op::Text {
        x: MARGIN,
        y,
        size,
        text: format!("{}: {}", l.number, facts.number),
        grey: true,
    });
    let number = l
        .page
        .replace("{n}", &n.to_string())
        .replace("{m}", &count.to_string());
    page.push(Op::Text {
        x: MARGIN + WIDTH - ruler.width(&number, size),
        y,
        size,
        text: number,
        grey: true,
    });
}

fn draw(pages: &[Vec<Op>], facts: &Facts, font: &AgreementFont) -> Result<Vec<u8>, PdfError> {
    let l = labels(&facts.language);
    let mut document = Document::new();
    let mut metadata = Metadata::new()
        .title(format!("{} {}", l.title, facts.number))
        .language(
            if facts.language == "en" {
                "en"
            } else {
                "zh-CN"
            }
            .to_owned(),
        )
        .creator("Fenqi".to_owned());
    if let Some(date) = issued_on(&facts.issued_on) {
        metadata = metadata.creation_date(date);
    }
    document.set_metadata(metadata);
    let krilla_font = font.krilla();
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError::Writer("A4 is a valid page size".into()))?;
    let black = Fill::default();
    let grey = Fill {
        paint: rgb::Color::new(90, 90, 90).into(),
        ..Fill::default()
    };
    let shade = Fill {
        paint: rgb::Color::new(235, 235, 235).into(),
        ..Fill::default()
    };
    let hairline = Stroke {
        paint: rgb::Color::new(150, 150, 150).into(),
        width: 0.5,
        ..Stroke::default()
    };
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    text,
                    grey: is_grey,
                } => {
                    surface.set_fill(Some(if *is_grey {
                        grey.clone()
                    } else {
                        black.clone()
                    }));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        krilla_font.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rule { x1, y1, x2, y2 } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(hairline.clone()));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Shade { x, y, w, h } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_fill(Some(shade.clone()));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Writer(format!("{e:?}")))
}

/// The issue day as the PDF's creation date (so the same agreement always gives the
/// same bytes).
fn issued_on(day: &str) -> Option<DateTime> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    Some(
        DateTime::new(u16::try_from(date.year()).ok()?)
            .month(u8::try_from(date.month()).ok()?)
            .day(u8::try_from(date.day()).ok()?),
    )
}

#[cfg(test)]
mod tests;
