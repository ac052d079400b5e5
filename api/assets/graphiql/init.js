// Starts GraphiQL on the page that `GET /graphql` serves. Fenqi's own code, not vendored.
// It is a file of its own rather than an inline script so that the page's
// Content-Security-Policy can forbid inline scripts (`script-src 'self'`).
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  if (typeof React === 'undefined' || typeof ReactDOM === 'undefined' || typeof GraphiQL === 'undefined') {
    root.textContent =
      'GraphiQL could not load its scripts from this server. POST /graphql works without it.';
    return;
  }
  var defaultQuery =
    '# The public loan calculator needs no login. To call private fields, log in with the\n' +
    '# `login` mutation and add {"Authorization": "Bearer <token>"} in the Headers tab.\n' +
    'query Quote {\n' +
    '  loanCalculator(input: {principal: "10000.00", annualRate: "0.12", periods: 12, frequency: MONTHLY,\n' +
    '      method: EQUAL_INSTALLMENT, startDate: "2026-01-15", paymentDay: 10}) {\n' +
    '    apr\n' +
    '    effectiveAnnualRate\n' +
    '    totalInterest\n' +
    '    entries { period dueDate payment principal interest remainingPrincipal }\n' +
    '  }\n' +
    '}\n';
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery: defaultQuery,
    }),
  );
})();
