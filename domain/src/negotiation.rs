//! Stage 3: the contact log (初步沟通, [`contacts`]) and personalized plans (方案制定): the
//! pure options engine ([`options`]):
//! the plans that fit one customer on the selected platform, and "what if" answers; and
//! the use cases that read an application's assessment and platform into it.

pub mod contacts;
pub mod options;
mod plans;
pub mod proposals;
pub mod terms;

pub use plans::{ApplicationOptions, WhatIfAnswer, WhatIfQuestion};
