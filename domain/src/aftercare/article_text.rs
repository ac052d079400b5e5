//! An article's words, checked and made safe: Markdown rendered to HTML (CommonMark with
//! tables and strikethrough) and cleaned by an allow-list (ammonia), so no script, style,
//! event handler or `javascript:` link written into an article, by mistake or on purpose,
//! reaches a customer's screen. Raw HTML in the Markdown goes through the same cleaning.

use pulldown_cmark::{Options, Parser, html};

use crate::error::{DomainError, DomainResult};

/// The longest article body (Markdown).
pub const MAX_BODY_CHARS: usize = 50_000;
/// Tags per article at most.
pub const MAX_TAGS: usize = 10;

/// Markdown to HTML that is safe to show.
pub fn safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut rendered = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut rendered, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&rendered)
        .to_string()
}

/// A slug: 2–80 lowercase letters, digits and single hyphens (`how-auto-debit-works`).
pub fn slug(text: &str) -> DomainResult<String> {
    let s = text.trim().to_owned();
    let fits = (2..=80).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if !fits {
        return Err(DomainError::validation(
            "slug",
            "Use 2 to 80 lowercase letters, digits and single hyphens, e.g. how-auto-debit-works.",
        ));
    }
    Ok(s)
}

/// The article's tags, lowercase, each like a slug, at most [`MAX_TAGS`], without
/// repeats, stored comma-separated.
pub fn tags(list: &[String]) -> DomainResult<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in list {
        let t = slug(&tag.to_lowercase()).map_err(|_| {
            DomainError::validation(
                "tags",
                format!("'{tag}' is not a tag: use lowercase letters, digits and hyphens."),
            )
        })?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() || out.len() > MAX_TAGS {
        return Err(DomainError::validation(
            "tags",
            format!("Give 1 to {MAX_TAGS} tags, so the article can be recommended."),
        ));
    }
    Ok(out.join(","))
}

/// A language an article is written in: `zh-CN` or `en`.
pub fn language(text: &str) -> DomainResult<&'static str> {
    match text.trim() {
        "zh-CN" | "zh" => Ok("zh-CN"),
        "en" => Ok("en"),
        _ => Err(DomainError::validation(
            "language",
            "Write articles in zh-CN or en.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_scripts_do_not_survive() {
        let html = safe_html(
            "# 自动扣款\n\n**Keep** money in the account.\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n[click](javascript:alert(1)) and [bank](https://bank.example)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        );
        assert!(html.contains("<h1>自动扣款</h1>"), "{html}");
        assert!(html.contains("<strong>Keep</strong>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        let lower = html.to_lowercase();
        for bad in ["<script", "onerror", "javascript:", "alert('x')"] {
            assert!(!lower.contains(bad), "{bad} in {html}");
        }
        assert!(
            html.contains(r#"href="https://bank.example""#) && html.contains("noopener"),
            "{html}"
        );
    }

    #[test]
    fn slugs_and_tags_are_plain() {
        assert_eq!(
            slug("how-auto-debit-works").ok().as_deref(),
            Some("how-auto-debit-works")
        );
        for bad in ["A", "has space", "-x", "x-", "a--b", "中文"] {
            assert!(slug(bad).is_err(), "{bad}");
        }
        let t = tags(&["Budgeting".into(), "budgeting".into(), "dti".into()]);
        assert_eq!(t.ok().as_deref(), Some("budgeting,dti"));
        assert!(tags(&[]).is_err());
        assert!(tags(&["<b>".into()]).is_err());
    }

    #[test]
    fn two_languages() {
        assert_eq!(language("zh-CN").ok(), Some("zh-CN"));
        assert_eq!(language("en").ok(), Some("en"));
        assert!(language("fr").is_err());
    }
}
