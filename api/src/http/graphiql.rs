//! `GET /graphql`: GraphiQL, so a newcomer can explore the API in a browser.

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Fenqi GraphQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL… (it is loaded from unpkg.com; POST /graphql works without it)</div>
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultEditorToolsVisibility: true,
        defaultQuery: '# Log in with a demo account printed at start-up, then add the header\n# {"Authorization": "Bearer <token>"} in the Headers tab.\nmutation Login {\n  login(input: {login: "admin@fenqi.demo", password: "demo-admin-pass"}) {\n    token\n    expiresAt\n    account { displayName role }\n  }\n}\n',
      }),
    );
  </script>
</body>
</html>
"#;

/// The handler.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(PAGE)
}
