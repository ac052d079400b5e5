//! Customer education (stage 6) over GraphQL: staff draft and publish articles whose
//! HTML never carries a script, customers see only published ones, and the recommended
//! articles follow the customer's situation (no plan, a new plan, an overdue installment)
//! with reads tracked.

use domain::auth::Role;
use serde_json::{Value, json};

use crate::customers::{MOBILE, onboarded_customer};
use crate::helpers::{TestApp, error_code};
use crate::repayment::{ActivePlan, active_plan, at, close_and_debit, day};

const DRAFT: &str =
    "mutation($i: ArticleInput!) { draftArticle(input: $i) { id status bodyHtml tags } }";
const PUBLISH: &str = "mutation($id: ID!) { publishArticle(id: $id) { status publishedAt } }";
const ARTICLES: &str =
    "query($d: Boolean, $t: String) { articles(includeDrafts: $d, tag: $t) { id slug status } }";
const RECOMMENDED: &str =
    "{ recommendedArticles(first: 20) { id slug language tags reason readAt } }";
const READ: &str = "mutation($id: ID!) { markArticleRead(id: $id) { readAt } }";

async fn ok(app: &TestApp, query: &str, variables: Value, token: &str) -> Value {
    let res = app.gql(query, variables, Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"].clone()
}

async fn code(app: &TestApp, query: &str, variables: Value, token: &str) -> String {
    let res = app.gql(query, variables, Some(token)).await;
    error_code(&res)
        .unwrap_or_else(|| panic!("{res}"))
        .to_owned()
}

fn article(slug: &str, body: &str) -> Value {
    json!({
        "slug": slug, "language": "en", "title": "Staying safe",
        "summary": "How we contact you.", "body": body, "tags": ["basics", "Safety"]
    })
}

#[tokio::test]
async fn staff_publish_articles_without_scripts_and_customers_see_only_published_ones() {
    let app = TestApp::spawn().await;
    let (customer, _) = onboarded_customer(&app, MOBILE).await;
    let agent = app.staff_token(Role::Agent).await;
    let body = "# Safe\n\nWe **never** ask for your password.\n\n<script>document.location='https://evil.example'</script>\n<img src=x onerror=alert(1)>\n\n[tap](javascript:alert(1))";
    let draft = ok(
        &app,
        DRAFT,
        json!({ "i": article("staying-safe", body) }),
        &agent,
    )
    .await;
    let draft = &draft["draftArticle"];
    let id = draft["id"].as_str().expect("id").to_owned();
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(draft["tags"], json!(["basics", "safety"]));
    let html = draft["bodyHtml"].as_str().expect("html").to_lowercase();
    assert!(html.contains("<strong>never</strong>"), "{html}");
    assert!(
        html.contains(">tap</a>"),
        "the link stays, without its target: {html}"
    );
    for bad in ["<script", "evil.example", "onerror", "href=\"javascript"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }

    // A draft is for staff only, even when a customer asks for drafts.
    let seen = ok(&app, ARTICLES, json!({ "d": true }), &customer).await;
    assert_eq!(seen["articles"], json!([]));
    let staff = ok(&app, ARTICLES, json!({ "d": true }), &agent).await;
    assert_eq!(staff["articles"][0]["id"], id.as_str());
    assert_eq!(
        code(&app, READ, json!({ "id": id }), &customer).await,
        "NOT_FOUND"
    );

    let published = ok(&app, PUBLISH, json!({ "id": id }), &agent).await;
    assert_eq!(published["publishArticle"]["status"], "PUBLISHED");
    let seen = ok(&app, ARTICLES, json!({ "t": "safety" }), &customer).await;
    assert_eq!(seen["articles"][0]["id"], id.as_str());
    let none = ok(&app, ARTICLES, json!({ "t": "safe" }), &customer).await;
    assert_eq!(none["articles"], json!([]), "tags match whole");

    // Customers do not write; bad input and a second article on the same topic are refused.
    assert_eq!(
        code(&app, DRAFT, json!({ "i": article("mine", "x") }), &customer).await,
        "FORBIDDEN"
    );
    assert_eq!(
        code(
            &app,
            DRAFT,
            json!({ "i": article("Bad Slug", "x") }),
            &agent
        )
        .await,
        "VALIDATION"
    );
    assert_eq!(
        code(
            &app,
            DRAFT,
            json!({ "i": article("staying-safe", "again") }),
            &agent
        )
        .await,
        "CONFLICT"
    );
}

async fn recommended(app: &TestApp, token: &str) -> Vec<Value> {
    ok(app, RECOMMENDED, json!({}), token).await["recommendedArticles"]
        .as_array()
        .expect("list")
        .clone()
}

fn first_tags(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|a| a["reason"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn recommendations_follow_the_customer_situation_and_reads_are_kept() {
    let app = TestApp::spawn().await;
    fenqi::demo_articles::seed(app.platform.domain())
        .await
        .expect("demo articles");
    // Seeding twice adds nothing.
    fenqi::demo_articles::seed(app.platform.domain())
        .await
        .expect("demo articles again");
    let agent = app.staff_token(Role::Agent).await;
    let all = ok(&app, ARTICLES, json!({ "d": true }), &agent).await;
    assert_eq!(all["articles"].as_array().map(Vec::len), Some(6));

    // No plan yet: the basics, in the customer's language (zh-CN by default).
    let (newcomer, _) = onboarded_customer(&app, "13987654321").await;
    let list = recommended(&app, &newcomer).await;
    assert!(!list.is_empty());
    for a in &list {
        assert_eq!(a["language"], "zh-CN");
        assert!(
            a["tags"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("basics"))),
            "{a}"
        );
    }

    // A new plan: how automatic debit works comes first, said in the customer's
    // language (zh-CN by default).
    let ActivePlan { entries, .. } = active_plan(&app).await;
    let token = app.login(MOBILE, "a good password").await;
    let list = recommended(&app, &token).await;
    assert_eq!(list[0]["slug"], "how-auto-debit-works", "{list:?}");
    assert_eq!(list[0]["reason"], "您的分期刚开始：了解自动扣款如何进行。");

    // The first installment goes unpaid past its grace days: what to do comes first.
    let due = day(&entries[0].due_date);
    at(&app, due);
    close_and_debit(&app).await;
    at(&app, due + chrono::Days::new(4));
    let domain = app.platform.domain();
    domain
        .close_of_business(domain.business_date())
        .await
        .expect("close of business");
    let token = app.login(MOBILE, "a good password").await;
    let list = recommended(&app, &token).await;
    assert_eq!(list[0]["slug"], "when-you-cannot-pay", "{list:?}");
    assert_eq!(
        list[1]["slug"],
        "how-auto-debit-works",
        "{:?}",
        first_tags(&list)
    );

    // Reading it is kept once, and moves it after the unread ones.
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let read = ok(&app, READ, json!({ "id": id }), &token).await;
    let first_read = read["markArticleRead"]["readAt"].clone();
    assert!(!first_read.is_null());
    let again = ok(&app, READ, json!({ "id": id }), &token).await;
    assert_eq!(again["markArticleRead"]["readAt"], first_read);
    let list = recommended(&app, &token).await;
    let last = list.last().expect("some");
    assert_eq!(last["id"], id.as_str());
    assert_eq!(last["readAt"], first_read);
}
