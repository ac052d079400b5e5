//! Setting text on A4 pages: lines wrapped by Chinese and Latin rules, a two-column table
//! of terms and the schedule table, whose header repeats on every page it runs onto. Pure:
//! it only measures, and gives each page as a list of drawing steps.

use super::font::Ruler;

/// A4, in points.
pub(super) const PAGE_WIDTH: f32 = 595.28;
/// A4, in points.
pub(super) const PAGE_HEIGHT: f32 = 841.89;
/// The left and right margin.
pub(super) const MARGIN: f32 = 50.0;
const TOP: f32 = 56.0;
/// Where the body stops; the footer lives below.
const BOTTOM: f32 = PAGE_HEIGHT - 72.0;
/// The width between the margins.
pub(super) const WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const LEADING: f32 = 1.5;
const PAD: f32 = 4.0;
/// The schedule's rows are tighter than the terms'.
const ROW_PAD: f32 = 2.5;
/// The largest size a label of the terms is set in.
const LABEL_SIZE: f32 = 10.5;

/// One drawing step.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    /// Text on one line; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        grey: bool,
    },
    /// A thin rule.
    Rule { x1: f32, y1: f32, x2: f32, y2: f32 },
    /// A light grey box behind a table header.
    Shade { x: f32, y: f32, w: f32, h: f32 },
}

/// How a cell's text sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Right,
}

/// Where a cell's lines go.
struct Cell {
    x: f32,
    width: f32,
    align: Align,
    grey: bool,
    /// Space above the first line.
    pad: f32,
}

/// Pages being filled, top to bottom.
pub(super) struct Layout<'a> {
    ruler: Ruler<'a>,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'a> Layout<'a> {
    pub(super) fn new(ruler: Ruler<'a>) -> Self {
        Self {
            ruler,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// The pages, each a list of drawing steps.
    pub(super) fn finish(self) -> Vec<Vec<Op>> {
        self.pages
    }

    fn page(&mut self) -> &mut Vec<Op> {
        // There is always a page: `new` starts one and `break_page` only adds.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn break_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` more fits on this one: a heading is kept with
    /// the first lines of what it heads.
    pub(super) fn room_for(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.break_page();
        }
    }

    /// Empty space.
    pub(super) fn gap(&mut self, height: f32) {
        self.y += height;
    }

    /// Wrapped text across the body's width, centred or from the left margin.
    pub(super) fn paragraph(&mut self, text: &str, size: f32, grey: bool, centred: bool) {
        for line in wrap(&self.ruler, text, size, WIDTH) {
            let height = size * LEADING;
            self.room_for(height);
            let x = if centred {
                MARGIN + (WIDTH - self.ruler.width(&line, size)) / 2.0
            } else {
                MARGIN
            };
            let y = self.y + baseline(size);
            self.page().push(Op::Text {
                x,
                y,
                size,
                text: line,
                grey,
            });
            self.y += height;
        }
    }

    /// A table of labels and values, each value at its own size (labels are never larger
    /// than [`LABEL_SIZE`]); each row keeps together on one page.
    pub(super) fn terms(&mut self, rows: &[(&str, String, f32)], label_width: f32) {
        let value_width = WIDTH - label_width;
        self.room_for(PAD);
        self.rule(MARGIN, MARGIN + WIDTH);
        for (label, value, size) in rows {
            let label_size = size.min(LABEL_SIZE);
            let labels = wrap(&self.ruler, label, label_size, label_width - 2.0 * PAD);
            let values = wrap(&self.ruler, value, *size, value_width - 2.0 * PAD);
            let height = (labels.len() as f32 * label_size).max(values.len() as f32 * size)
                * LEADING
                + 2.0 * PAD;
            if self.y + height > BOTTOM {
                self.break_page();
                self.rule(MARGIN, MARGIN + WIDTH);
            }
            let top = self.y;
            let label_cell = Cell {
                x: MARGIN,
                width: label_width,
                align: Align::Left,
                grey: true,
                pad: PAD,
            };
            self.cell_lines(labels, label_cell, label_size);
            let value_cell = Cell {
                x: MARGIN + label_width,
                width: value_width,
                align: Align::Left,
                grey: false,
                pad: PAD,
            };
            self.cell_lines(values, value_cell, *size);
            self.y = top + height;
            self.rule(MARGIN, MARGIN + WIDTH);
            self.verticals(top, &[0.0, label_width, WIDTH]);
        }
    }

    /// A table with a header row that repeats on each page the table runs onto.
    pub(super) fn table(
        &mut self,
        header: &[&str],
        widths: &[f32],
        aligns: &[Align],
        rows: &[Vec<String>],
        size: f32,
    ) {
        let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
        let header_height = self.row_height(&header, widths, size);
        let mut needs_header = true;
        for row in rows {
            let height = self.row_height(row, widths, size);
            if self.y + height > BOTTOM {
                self.break_page();
                needs_header = true;
            }
            if needs_header {
                self.room_for(header_height + height);
                let y = self.y;
                self.page().push(Op::Shade {
                    x: MARGIN,
                    y,
                    w: widths.iter().sum(),
                    h: header_height,
                });
                self.row(&header, widths, aligns, size, header_height, true);
                needs_header = false;
            }
            self.row(row, widths, aligns, size, height, false);
        }
    }

    fn row_height(&self, cells: &[String], widths: &[f32], size: f32) -> f32 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| wrap(&self.ruler, c, size, w - 2.0 * PAD).len())
            .max()
            .unwrap_or(1) as f32;
        lines * size * LEADING + 2.0 * ROW_PAD
    }

    fn row(
        &mut self,
        cells: &[String],
        widths: &[f32],
        aligns: &[Align],
        size: f32,
        height: f32,
        header: bool,
    ) {
        let top = self.y;
        let total: f32 = widths.iter().sum();
        if top == TOP || header {
            self.rule(MARGIN, MARGIN + total);
        }
        let mut x = MARGIN;
        let mut edges = vec![0.0];
        for ((cell, width), align) in cells.iter().zip(widths).zip(aligns) {
            let lines = wrap(&self.ruler, cell, size, width - 2.0 * PAD);
            let cell = Cell {
                x,
                width: *width,
                align: *align,
                grey: header,
                pad: ROW_PAD,
            };
            self.cell_lines(lines, cell, size);
            x += width;
            edges.push(x - MARGIN);
        }
        self.y = top + height;
        self.rule(MARGIN, MARGIN + total);
        self.verticals(top, &edges);
    }

    fn cell_lines(&mut self, lines: Vec<String>, cell: Cell, size: f32) {
        let mut y = self.y + cell.pad + baseline(size);
        for line in lines {
            let left = match cell.align {
                Align::Left => cell.x + PAD,
                Align::Right => cell.x + cell.width - PAD - self.ruler.width(&line, size),
            };
            self.page().push(Op::Text {
                x: left,
                y,
                size,
                text: line,
                grey: cell.grey,
            });
            y += size * LEADING;
        }
    }

    fn rule(&mut self, x1: f32, x2: f32) {
        let y = self.y;
        self.page().push(Op::Rule {
            x1,
            y1: y,
            x2,
            y2: y,
        });
    }

    fn verticals(&mut self, top: f32, edges: &[f32]) {
        let bottom = self.y;
        for edge in edges {
            let x = MARGIN + edge;
            self.page().push(Op::Rule {
                x1: x,
                y1: top,
                x2: x,
                y2: bottom,
            });
        }
    }
}

/// Where the baseline sits below the top of a line of `size` points.
pub(super) fn baseline(size: f32) -> f32 {
    size * 1.15
}

/// Splits `text` into lines no wider than `max` points: at spaces, and between Chinese
/// characters, but never before closing or after opening punctuation (避头尾); a word
/// longer than a line is cut. Line breaks in the text are kept.
pub(super) fn wrap(ruler: &Ruler<'_>, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let chars: Vec<char> = paragraph
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if chars.is_empty() {
            lines.push(String::new());
            continue;
        }
        let mut start = 0;
        while start < chars.len() {
            let mut width = 0.0;
            let mut end = start;
            let mut last_break = None;
            while end < chars.len() {
                let w = ruler.char_width(chars[end], size);
                if width + w > max && end > start {
                    break;
                }
                width += w;
                end += 1;
                if end < chars.len() && can_break(chars[end - 1], chars[end]) {
                    last_break = Some(end);
                }
            }
            if end < chars.len()
                && let Some(at) = last_break
            {
                end = at;
            }
            let line: String = chars[start..end].iter().collect();
            lines.push(line.trim_end().to_owned());
            start = end;
            while start < chars.len() && chars[start] == ' ' {
                start += 1;
            }
        }
    }
    lines
}

fn can_break(before: char, after: char) -> bool {
    if before == ' ' {
        return true;
    }
    (is_cjk(before) || is_cjk(after)) && !no_line_start(after) && !no_line_end(before)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕”’％·,.;:?!)%".contains(c)
}

fn no_line_end(c: char) -> bool {
    "（《「『【〔“‘(".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::pdf::font::AgreementFont;

    #[test]
    fn chinese_breaks_between_characters_but_not_before_closing_punctuation() {
        let font = AgreementFont::bundled();
        let ruler = font.ruler();
        // Ten points a character: five characters a line.
        let lines = wrap(&ruler, "甲方应按期还款，逾期将收取费用。", 10.0, 50.0);
        // "。" may not start a line, so "用" goes down with it.
        assert_eq!(lines, vec!["甲方应按期", "还款，逾期", "将收取费", "用。"]);
        for line in &lines {
            assert!(ruler.width(line, 10.0) <= 50.0);
        }
    }

    #[test]
    fn latin_breaks_at_spaces_and_long_words_are_cut() {
        let font = AgreementFont::bundled();
        let ruler = font.ruler();
        let lines = wrap(&ruler, "The borrower repays monthly", 10.0, 80.0);
        assert!(lines.len() >= 2);
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with(' ') && !l.ends_with(' '))
        );
        assert_eq!(lines.join(" "), "The borrower repays monthly");
        let digest = "0123456789abcdef0123456789abcdef0123456789abcdef";
        let cut = wrap(&ruler, digest, 10.0, 60.0);
        assert!(cut.len() > 1);
        assert_eq!(cut.concat(), digest);
    }

    #[test]
    fn kept_line_breaks_and_empty_text() {
        let font = AgreementFont::bundled();
        let ruler = font.ruler();
        assert_eq!(wrap(&ruler, "a\nb", 10.0, 100.0), vec!["a", "b"]);
        assert_eq!(wrap(&ruler, "", 10.0, 100.0), vec![String::new()]);
    }

    #[test]
    fn a_long_table_repeats_its_header_on_each_page() {
        let font = AgreementFont::bundled();
        let mut layout = Layout::new(font.ruler());
        let rows: Vec<Vec<String>> = (1..=120)
            .map(|n| vec![n.to_string(), "2027-01-15".to_owned()])
            .collect();
        layout.table(
            &["期数", "到期日"],
            &[100.0, 200.0],
            &[Align::Right, Align::Left],
            &rows,
            9.0,
        );
        let pages = layout.finish();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for page in &pages {
            let texts: Vec<&str> = page
                .iter()
                .filter_map(|op| match op {
                    Op::Text { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(texts[0], "期数");
            for op in page {
                if let Op::Text { y, .. } = op {
                    assert!(*y <= BOTTOM, "text below the body: {y}");
                }
            }
        }
        let periods = pages
            .iter()
            .flatten()
            .filter(|op| matches!(op, Op::Text { text, .. } if text == "2027-01-15"))
            .count();
        assert_eq!(periods, 120);
    }
}
