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
        defaultQuery: '# The public loan calculator needs no login. To call private fields, log in with the\n# `login` mutation and add {"Authorization": "Bearer <token>"} in the Headers tab.\nquery Quote {\n  loanCalculator(input: {principal: "10000.00", annualRate: "0.12", periods: 12, frequency: MONTHLY,\n      method: EQUAL_INSTALLMENT, startDate: "2026-01-15", paymentDay: 10}) {\n    apr\n    effectiveAnnualRate\n    totalInterest\n    entries { period dueDate payment principal interest remainingPrincipal }\n  }\n}\n',
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
