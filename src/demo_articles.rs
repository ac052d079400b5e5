//! The education articles the demo ships (客户教育): how automatic debit works, what to
//! do when you cannot pay, and budgeting with an installment plan, each in Chinese and
//! English, published so recommendations have something to recommend from the start.

use domain::aftercare::articles::{ArticleDraft, ArticleFilter};
use domain::auth::Caller;
use domain::{Domain, DomainResult};

/// One demo article: slug, language, title, summary, tags, Markdown.
type Demo = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);

const ARTICLES: [Demo; 6] = [
    (
        "how-auto-debit-works",
        "zh-CN",
        "自动扣款是怎么回事",
        "每期到期日我们会从您的还款账户自动扣款。了解扣款时间、余额不足时会怎样，以及如何提前还款。",
        &["auto-debit", "basics"],
        "## 什么时候扣款\n\n每期**到期日**当天，我们在日终批处理时从您绑定的还款账户扣取当期应还金额。到期前 **3 天和 1 天**会提醒您。\n\n## 余额不足怎么办\n\n- 扣款失败后，我们会在到期后第 **1 天和第 3 天**再次尝试；\n- 您也可以随时在 App 中**主动还款**；\n- 宽限期过后仍未还清，会按合同计收逾期利息。\n\n## 想提前还款？\n\n在 App 中查看**提前还款报价**：可以部分提前还款（缩短期限或减少月供），也可以一次结清。每一次变更都会生成新的还款计划版本，旧版本仍可查看。\n",
    ),
    (
        "how-auto-debit-works",
        "en",
        "How automatic debit works",
        "On each due date we debit your repayment account. When it happens, what if the money is short, and how to repay early.",
        &["auto-debit", "basics"],
        "## When we debit\n\nOn each **due date**, at the close of business, we collect the installment from your repayment account. We remind you **3 days and 1 day** before.\n\n## If the money is short\n\n- We try again **1 and 3 days** after the due date;\n- you can **pay in the app** at any time;\n- once the grace days are over, late interest accrues as your agreement says.\n\n## Paying early\n\nAsk the app for a **prepayment quote**: repay part (a shorter term or smaller installments) or settle everything. Each change makes a new version of your schedule; the old one stays readable.\n",
    ),
    (
        "when-you-cannot-pay",
        "zh-CN",
        "暂时还不上怎么办",
        "遇到困难先联系我们：越早沟通，可选的办法越多。",
        &["hardship"],
        "## 第一步：尽早联系我们\n\n在 App 中**提交问题**（类别选“还款困难”），或拨打客服电话。越早沟通，我们能提供的办法越多。\n\n## 可能的办法\n\n1. **部分还款**：先还一部分，减少逾期金额；\n2. **调整还款日**；\n3. 视情况**重新协商还款计划**。\n\n## 需要知道的\n\n- 逾期会按日计收逾期利息，并可能影响您的信用记录；\n- 我们只在 **08:00–22:00** 联系您，也会尊重您设置的免打扰时段；\n- 请勿向任何自称“代还款”的第三方转账。\n",
    ),
    (
        "when-you-cannot-pay",
        "en",
        "What to do when you cannot pay",
        "If money is tight, talk to us first: the earlier, the more we can do.",
        &["hardship"],
        "## First: talk to us early\n\n**Open a ticket** in the app (category *Hardship*) or call us. The earlier we talk, the more options there are.\n\n## What may help\n\n1. **Pay part now** to keep the overdue amount small;\n2. **move your payment day**;\n3. where it fits, **renegotiate the plan**.\n\n## Good to know\n\n- Overdue installments accrue late interest daily and may show on your credit record;\n- we only call between **08:00 and 22:00**, and respect your own quiet hours;\n- never pay a third party who offers to \"repay for you\".\n",
    ),
    (
        "budgeting-with-installments",
        "zh-CN",
        "分期时代的记账与预算",
        "月供加上其他还款，最好不超过收入的 40%。三步做出自己的预算。",
        &["budgeting", "basics"],
        "## 一条简单的线\n\n所有**月供**加起来，最好不超过**月收入的 40%**。超过这条线，遇到意外开支就容易逾期。\n\n## 三步预算\n\n1. 记下每月**固定收入**；\n2. 列出**必要开支**（房租、吃饭、交通）和**所有月供**；\n3. 剩下的钱先留出 **3 个月**的应急金，再考虑新的分期。\n\n| 项目 | 示例（元） |\n|---|---|\n| 月收入 | 10,000 |\n| 必要开支 | 4,500 |\n| 月供合计 | 3,000 |\n| 结余 | 2,500 |\n",
    ),
    (
        "budgeting-with-installments",
        "en",
        "Budgeting with installment plans",
        "Keep all monthly debt payments under 40 % of income. A budget in three steps.",
        &["budgeting", "basics"],
        "## One simple line\n\nAll your **monthly debt payments** together should stay under **40 % of your monthly income**. Above it, one unexpected bill can make a payment late.\n\n## A budget in three steps\n\n1. Write down your **regular income**;\n2. list the **essentials** (rent, food, transport) and **every installment**;\n3. from what is left, build **three months** of savings before taking a new plan.\n\n| Item | Example (yuan) |\n|---|---|\n| Income | 10,000 |\n| Essentials | 4,500 |\n| Installments | 3,000 |\n| Left over | 2,500 |\n",
    ),
];

/// Drafts and publishes the demo articles that are not there yet.
pub async fn seed(domain: &Domain) -> DomainResult<()> {
    let caller = Caller::system("seed-demo");
    let existing = domain
        .articles(
            ArticleFilter {
                include_drafts: true,
                ..ArticleFilter::default()
            },
            &caller,
        )
        .await?;
    for (slug, language, title, summary, tags, body) in ARTICLES {
        if existing
            .iter()
            .any(|a| a.row.slug == slug && a.row.language == language)
        {
            continue;
        }
        let draft = domain
            .draft_article(
                ArticleDraft {
                    id: None,
                    slug: slug.into(),
                    language: language.into(),
                    title: title.into(),
                    summary: summary.into(),
                    body: body.into(),
                    tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                },
                &caller,
            )
            .await?;
        domain.publish_article(draft.row.id, &caller).await?;
    }
    Ok(())
}
