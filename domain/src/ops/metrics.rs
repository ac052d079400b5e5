//! A small Prometheus registry: counters and latency histograms with labels, rendered in
//! the text exposition format. Label values that come from clients (GraphQL operation
//! names) are sanitized and the number of series per metric is capped, so a client cannot
//! grow memory by inventing names.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds (seconds) of the latency buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// The most series one metric may have; later label sets are folded into `other`.
const MAX_SERIES: usize = 500;

type Labels = Vec<(&'static str, String)>;

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug)]
enum Family {
    Counter(BTreeMap<Labels, u64>),
    Histogram(BTreeMap<Labels, Histogram>),
}

#[derive(Debug)]
struct Metric {
    help: &'static str,
    family: Family,
}

/// The registry. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct Metrics {
    metrics: Mutex<BTreeMap<&'static str, Metric>>,
}

/// Keeps a client-supplied label value short and plain.
pub fn sanitize_label(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "anonymous".into()
    } else {
        cleaned
    }
}

fn owned(labels: &[(&'static str, &str)]) -> Labels {
    labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn capped<V>(series: &BTreeMap<Labels, V>, labels: Labels) -> Labels {
    if series.len() >= MAX_SERIES && !series.contains_key(&labels) {
        labels
            .into_iter()
            .map(|(k, _)| (k, "other".to_owned()))
            .collect()
    } else {
        labels
    }
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<&'static str, Metric>) -> R) -> R {
        let mut guard = self
            .metrics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// Adds one to the counter `name` for `labels`.
    pub fn increment(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[(&'static str, &str)],
    ) {
        self.with(|metrics| {
            let metric = metrics.entry(name).or_insert_with(|| Metric {
                help,
                family: Family::Counter(BTreeMap::new()),
            });
            if let Family::Counter(series) = &mut metric.family {
                let key = capped(series, owned(labels));
                *series.entry(key).or_default() += 1;
            }
        });
    }

    /// Records one observation of `seconds` in the histogram `name` for `labels`.
    pub fn observe(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[(&'static str, &str)],
        seconds: f64,
    ) {
        self.with(|metrics| {
            let metric = metrics.entry(name).or_insert_with(|| Metric {
                help,
                family: Family::Histogram(BTreeMap::new()),
            });
            if let Family::Histogram(series) = &mut metric.family {
                let key = capped(series, owned(labels));
                let h = series.entry(key).or_default();
                for (i, bound) in BUCKETS.iter().enumerate() {
                    if seconds <= *bound {
                        h.buckets[i] += 1;
                    }
                }
                h.sum += seconds;
                h.count += 1;
            }
        });
    }

    /// The current value of a counter (for tests and the worker's own reports).
    pub fn counter(&self, name: &str, labels: &[(&'static str, &str)]) -> u64 {
        self.with(|metrics| match metrics.get(name).map(|m| &m.family) {
            Some(Family::Counter(series)) => series.get(&owned(labels)).copied().unwrap_or(0),
            _ => 0,
        })
    }

    /// Renders every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        self.with(|metrics| {
            let mut out = String::with_capacity(4096);
            for (name, metric) in metrics.iter() {
                let _ = writeln!(out, "# HELP {name} {}", metric.help);
                match &metric.family {
                    Family::Counter(series) => {
                        let _ = writeln!(out, "# TYPE {name} counter");
                        for (labels, value) in series {
                            let _ = writeln!(out, "{name}{} {value}", render_labels(labels, None));
                        }
                    }
                    Family::Histogram(series) => {
                        let _ = writeln!(out, "# TYPE {name} histogram");
                        for (labels, h) in series {
                            for (i, bound) in BUCKETS.iter().enumerate() {
                                let le = bound.to_string();
                                let _ = writeln!(
                                    out,
                                    "{name}_bucket{} {}",
                                    render_labels(labels, Some(&le)),
                                    h.buckets[i]
                                );
                            }
                            let _ = writeln!(
                                out,
                                "{name}_bucket{} {}",
                                render_labels(labels, Some("+Inf")),
                                h.count
                            );
                            let _ = writeln!(
                                out,
                                "{name}_sum{} {}",
                                render_labels(labels, None),
                                h.sum
                            );
                            let _ = writeln!(
                                out,
                                "{name}_count{} {}",
                                render_labels(labels, None),
                                h.count
                            );
                        }
                    }
                }
            }
            out
        })
    }
}

fn render_labels(labels: &Labels, le: Option<&str>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::new();
        m.increment(
            "jobs_total",
            "Jobs.",
            &[("kind", "purge"), ("outcome", "ok")],
        );
        m.increment(
            "jobs_total",
            "Jobs.",
            &[("kind", "purge"), ("outcome", "ok")],
        );
        m.observe("latency_seconds", "Latency.", &[("op", "login")], 0.02);
        let text = m.render();
        assert!(text.contains("# TYPE jobs_total counter"));
        assert!(text.contains("jobs_total{kind=\"purge\",outcome=\"ok\"} 2"));
        assert!(text.contains("latency_seconds_bucket{op=\"login\",le=\"0.025\"} 1"));
        assert!(text.contains("latency_seconds_bucket{op=\"login\",le=\"0.01\"} 0"));
        assert!(text.contains("latency_seconds_count{op=\"login\"} 1"));
        assert_eq!(
            m.counter("jobs_total", &[("kind", "purge"), ("outcome", "ok")]),
            2
        );
    }

    #[test]
    fn client_labels_cannot_grow_without_bound() {
        let m = Metrics::new();
        for i in 0..(MAX_SERIES + 50) {
            m.increment("ops_total", "Ops.", &[("op", &format!("op{i}"))]);
        }
        assert_eq!(m.counter("ops_total", &[("op", "other")]), 50);
        assert_eq!(sanitize_label("a\"b{c}"), "abc");
        assert_eq!(sanitize_label(""), "anonymous");
    }
}
