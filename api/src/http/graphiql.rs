//! `GET /graphql`: GraphiQL, so a newcomer can explore the API in a browser.
//!
//! Everything the page needs — React, ReactDOM, GraphiQL's script and style sheet, and the
//! small script that starts it — is built into the binary and served under `/graphiql/`, so
//! the page works on a bank's intranet with no way out to the internet. The page carries a
//! strict Content-Security-Policy that allows nothing from another host.
//!
//! The vendored files and how to update them: `api/assets/graphiql/README.md`.

use std::sync::LazyLock;

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};

/// The page's Content-Security-Policy: scripts, styles, fonts, images and requests only from
/// this server (fonts and images also as `data:` URLs, which GraphiQL's style sheet embeds),
/// no inline script, no plugins, no `<base>`, no form posts, and no framing. GraphiQL's
/// components set inline styles, hence `'unsafe-inline'` for styles only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; \
     font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The route pattern of the assets, for `server::serve`; the handler is [`asset`].
pub const ASSET_ROUTE: &str = "/graphiql/{file:.*}";

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Fenqi GraphQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <link rel="stylesheet" href="/graphiql/graphiql@3.8.3/graphiql.min.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <noscript>GraphiQL needs JavaScript; POST /graphql works without it.</noscript>
  <script src="/graphiql/react@18.3.1/react.production.min.js"></script>
  <script src="/graphiql/react-dom@18.3.1/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql@3.8.3/graphiql.min.js"></script>
  <script src="/graphiql/init.js"></script>
</body>
</html>
"#;

/// One file served under `/graphiql/`.
struct Asset {
    /// The path after `/graphiql/`. Vendored files carry their package's version, so a
    /// new version is a new URL and browsers may keep the old one forever.
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// True for the versioned vendored files; Fenqi's own `init.js` changes with Fenqi
    /// under the same URL, so browsers must revalidate it (cheaply, by its ETag).
    immutable: bool,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

const ASSETS: &[Asset] = &[
    Asset {
        path: "graphiql@3.8.3/graphiql.min.css",
        content_type: CSS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.css"),
        immutable: true,
    },
    Asset {
        path: "graphiql@3.8.3/graphiql.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.js"),
        immutable: true,
    },
    Asset {
        path: "react@18.3.1/react.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react.production.min.js"),
        immutable: true,
    },
    Asset {
        path: "react-dom@18.3.1/react-dom.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
        immutable: true,
    },
    Asset {
        path: "init.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/init.js"),
        immutable: false,
    },
];

/// A year: the longest `max-age` caches are asked to honour.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Each asset's ETag, in the order of [`ASSETS`], computed once from the content. Weak,
/// because the same entity may be sent gzip-compressed or not.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| format!("W/\"{:016x}\"", fnv1a64(a.body)))
        .collect()
});

/// FNV-1a, 64 bits: a stable content hash (the same in every process and build of the same
/// bytes, unlike `DefaultHasher`), good enough to tell versions of a file apart.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as RFC 9110 asks for
/// `If-None-Match`).
fn none_match_hits(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let wanted = opaque(etag);
    if_none_match
        .split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == wanted)
}

/// The page: GraphiQL's shell, with the Content-Security-Policy that keeps it on this server.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .body(PAGE)
}

/// `GET /graphiql/{file}`: one of the page's scripts or its style sheet, from the binary,
/// with a cache lifetime and an ETag so a browser fetches the 4 MB once; 404 for anything
/// else.
pub async fn asset(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    let Some(index) = ASSETS.iter().position(|a| a.path == file.as_str()) else {
        return HttpResponse::NotFound()
            .content_type(ContentType::plaintext())
            .body("no such GraphiQL file");
    };
    let asset = &ASSETS[index];
    let etag = ETAGS[index].as_str();
    let cache = if asset.immutable {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| none_match_hits(v, etag));
    if unchanged {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(asset.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of every `src="…"` and `href="…"` in the page.
    fn references(page: &str) -> Vec<&str> {
        let mut found = Vec::new();
        for attr in [" src=\"", " href=\""] {
            let mut rest = page;
            while let Some(i) = rest.find(attr) {
                rest = &rest[i + attr.len()..];
                let end = rest.find('"').expect("closing quote");
                found.push(&rest[..end]);
                rest = &rest[end..];
            }
        }
        found
    }

    #[test]
    fn the_page_references_exactly_the_served_assets() {
        let mut referenced: Vec<&str> = references(PAGE)
            .into_iter()
            .map(|r| r.strip_prefix("/graphiql/").expect("under /graphiql/"))
            .collect();
        referenced.sort_unstable();
        let mut served: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
        served.sort_unstable();
        assert_eq!(referenced, served);
        assert!(!PAGE.contains("http://") && !PAGE.contains("https://"));
    }

    #[test]
    fn the_vendored_react_files_are_the_versions_their_urls_name() {
        for name in ["react@18.3.1/", "react-dom@18.3.1/"] {
            let asset = ASSETS
                .iter()
                .find(|a| a.path.starts_with(name))
                .expect("asset");
            let text = std::str::from_utf8(asset.body).expect("utf-8");
            assert!(text.contains("\"18.3.1"), "{} is not 18.3.1", asset.path);
        }
    }

    #[test]
    fn init_keeps_the_calculator_query_and_the_headers_hint() {
        let init = ASSETS.iter().find(|a| a.path == "init.js").expect("init");
        let text = std::str::from_utf8(init.body).expect("utf-8");
        assert!(text.contains("loanCalculator(input:"));
        assert!(text.contains(r#"{"Authorization": "Bearer <token>"} in the Headers tab"#));
    }

    #[test]
    fn etags_are_stable_distinct_and_matched_weakly() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let mut tags = ETAGS.clone();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), ASSETS.len());
        let tag = ETAGS[0].as_str();
        assert!(none_match_hits(tag, tag));
        assert!(none_match_hits(tag.trim_start_matches("W/"), tag));
        assert!(none_match_hits(&format!("\"x\", {tag}"), tag));
        assert!(none_match_hits("*", tag));
        assert!(!none_match_hits("W/\"0000000000000000\"", tag));
    }
}
