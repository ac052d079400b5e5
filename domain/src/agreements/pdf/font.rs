//! The font the agreement PDF is set in: the bundled Noto Sans SC subset (OFL 1.1, see
//! `domain/assets/fonts/`), or a font the operator names with `FENQI_AGREEMENT_FONT`.
//! Checked when it is loaded, so that a wrong file stops the start with a clear reason, and
//! again for each document, so that a character it lacks is named instead of printed as a
//! box.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::agreements::render::template_text;

/// The bundled subset: GB 2312 and the Latin, punctuation and full-width ranges.
static BUNDLED: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Regular-subset.otf");

/// Why a font cannot set agreements.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file could not be read.
    #[error("cannot read the font file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The bytes are not an OpenType or TrueType font (or the collection has no such face).
    #[error("{source_name} is not a usable OpenType or TrueType font (face {index}): {reason}")]
    NotAFont {
        /// Where it came from.
        source_name: String,
        /// The face asked for.
        index: u32,
        /// What the parser said.
        reason: String,
    },
    /// It lacks characters that every agreement prints.
    #[error(
        "{source_name} lacks characters every agreement prints ({missing}); name a font with Chinese and Latin characters, such as Noto Sans CJK SC"
    )]
    Incomplete {
        /// Where it came from.
        source_name: String,
        /// The characters, as text.
        missing: String,
    },
}

/// A font that can set agreements, shared by every document (cheap to clone).
#[derive(Clone)]
pub struct AgreementFont {
    data: Arc<dyn AsRef<[u8]> + Send + Sync>,
    index: u32,
    font: krilla::text::Font,
    source: String,
}

impl fmt::Debug for AgreementFont {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgreementFont")
            .field("source", &self.source)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Default for AgreementFont {
    fn default() -> Self {
        Self::bundled()
    }
}

impl AgreementFont {
    /// The bundled Noto Sans SC subset.
    pub fn bundled() -> Self {
        // The bundled file is part of the build and checked by a unit test, so it parses.
        Self::from_data(
            Arc::new(BUNDLED),
            0,
            "the bundled Noto Sans SC subset".into(),
        )
        .unwrap_or_else(|e| unreachable!("the bundled font is checked by a test: {e}"))
    }

    /// A font file (OpenType, TrueType, or face `index` of a collection).
    pub fn from_file(path: &Path, index: u32) -> Result<Self, FontError> {
        let bytes = std::fs::read(path).map_err(|e| FontError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_data(Arc::new(bytes), index, path.display().to_string())
    }

    fn from_data(
        data: Arc<dyn AsRef<[u8]> + Send + Sync>,
        index: u32,
        source: String,
    ) -> Result<Self, FontError> {
        let not_a_font = |reason: String| FontError::NotAFont {
            source_name: source.clone(),
            index,
            reason,
        };
        FontRef::from_index((*data).as_ref(), index).map_err(|e| not_a_font(e.to_string()))?;
        let font = krilla::text::Font::new(krilla::Data::from(data.clone()), index)
            .ok_or_else(|| not_a_font("its outlines cannot be embedded".into()))?;
        let loaded = Self {
            data,
            index,
            font,
            source,
        };
        let missing = loaded.missing(&template_text());
        if !missing.is_empty() {
            return Err(FontError::Incomplete {
                source_name: loaded.source.clone(),
                missing: missing.into_iter().collect(),
            });
        }
        Ok(loaded)
    }

    /// Where the font came from, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The characters of `text` the font has no glyph for (each once, in order of first
    /// appearance); line breaks and tabs are not printed and never missing.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let Ok(font) = self.font_ref() else {
            return text.chars().filter(|c| !c.is_control()).collect();
        };
        let charmap = font.charmap();
        let mut missing: Vec<char> = Vec::new();
        for c in text.chars() {
            if !c.is_control() && charmap.map(c).is_none() && !missing.contains(&c) {
                missing.push(c);
            }
        }
        missing
    }

    /// A ruler for measuring text in this font.
    pub(super) fn ruler(&self) -> Ruler<'_> {
        let font = self
            .font_ref()
            .unwrap_or_else(|e| unreachable!("checked when loaded: {e}"));
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        Ruler {
            charmap: font.charmap(),
            glyphs: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(metrics.units_per_em.max(1)),
        }
    }

    /// The font for krilla to draw with.
    pub(super) fn krilla(&self) -> krilla::text::Font {
        self.font.clone()
    }

    fn font_ref(&self) -> Result<FontRef<'_>, skrifa::raw::ReadError> {
        FontRef::from_index((*self.data).as_ref(), self.index)
    }
}

/// Measures text: the sum of its characters' advances (the document is set without
/// kerning or substitutions, so this is the width krilla draws).
pub(super) struct Ruler<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    glyphs: skrifa::metrics::GlyphMetrics<'a>,
    units_per_em: f32,
}

impl Ruler<'_> {
    /// The width of `text` at `size` points.
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size / self.units_per_em
    }

    /// The width of one character at `size` points.
    pub(super) fn char_width(&self, c: char, size: f32) -> f32 {
        self.advance(c) * size / self.units_per_em
    }

    fn advance(&self, c: char) -> f32 {
        self.charmap
            .map(c)
            .and_then(|g| self.glyphs.advance_width(g))
            .unwrap_or(self.units_per_em)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_has_every_template_character_and_gb2312_names() {
        let font = AgreementFont::bundled();
        assert!(font.missing(&template_text()).is_empty());
        assert!(
            font.missing("张伟 王芳 欧阳娜娜 壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
                .is_empty()
        );
        assert_eq!(font.missing("李䶮 𠀀 李"), vec!['䶮', '𠀀']);
    }

    #[test]
    fn text_is_measured_in_points() {
        let font = AgreementFont::bundled();
        let ruler = font.ruler();
        // Hanzi are one em wide; Latin letters narrower.
        assert!((ruler.width("分期", 10.0) - 20.0).abs() < 0.01);
        assert!(ruler.width("ab", 10.0) < 15.0);
    }

    #[test]
    fn a_missing_or_wrong_file_is_a_clear_error() {
        let err = AgreementFont::from_file(Path::new("/no/such/font.otf"), 0).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot read the font file /no/such/font.otf")
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "not a font").unwrap();
        let err = AgreementFont::from_file(&path, 0).unwrap_err();
        assert!(
            err.to_string().contains("is not a usable OpenType"),
            "{err}"
        );
    }
}
