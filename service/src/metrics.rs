//! Prometheus text metrics, kept by hand (a few counters need no metrics framework).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    verdicts: BTreeMap<String, u64>,
    rejected: BTreeMap<&'static str, u64>,
}

/// The service's metrics.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
    in_flight: AtomicI64,
    queued_work: AtomicI64,
}

/// Decrements a gauge when dropped.
pub struct GaugeGuard<'a>(&'a AtomicI64);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counts a request in flight until the guard drops.
    pub fn in_flight(&self) -> GaugeGuard<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(&self.in_flight)
    }

    /// Counts CPU work admitted (running or waiting for a slot) until the guard drops.
    pub fn work(&self) -> GaugeGuard<'_> {
        self.queued_work.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(&self.queued_work)
    }

    /// Records a finished request.
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        let Ok(mut c) = self.counters.lock() else {
            return;
        };
        *c.requests.entry((route.to_string(), status)).or_default() += 1;
        let h = c.latency.entry(route.to_string()).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// Records a verification verdict (the report's indication, e.g. `TOTAL-PASSED`).
    pub fn verdict(&self, indication: &str) {
        if let Ok(mut c) = self.counters.lock() {
            *c.verdicts.entry(indication.to_string()).or_default() += 1;
        }
    }

    /// Records a request refused before work (`queue_full`, `payload_too_large`, `timeout`).
    pub fn rejected(&self, reason: &'static str) {
        if let Ok(mut c) = self.counters.lock() {
            *c.rejected.entry(reason).or_default() += 1;
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP kyso_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE kyso_http_requests_total counter");
        let Ok(c) = self.counters.lock() else {
            return out;
        };
        for ((route, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "kyso_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP kyso_http_request_duration_seconds Request latency by route."
        );
        let _ = writeln!(out, "# TYPE kyso_http_request_duration_seconds histogram");
        for (route, h) in &c.latency {
            let r = escape(route);
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "kyso_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "kyso_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "kyso_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "kyso_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP kyso_verdicts_total Verification verdicts by indication."
        );
        let _ = writeln!(out, "# TYPE kyso_verdicts_total counter");
        for (v, n) in &c.verdicts {
            let _ = writeln!(
                out,
                "kyso_verdicts_total{{indication=\"{}\"}} {n}",
                escape(v)
            );
        }
        let _ = writeln!(
            out,
            "# HELP kyso_rejected_total Requests refused before work, by reason."
        );
        let _ = writeln!(out, "# TYPE kyso_rejected_total counter");
        for (v, n) in &c.rejected {
            let _ = writeln!(out, "kyso_rejected_total{{reason=\"{v}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP kyso_http_requests_in_flight Requests being served."
        );
        let _ = writeln!(out, "# TYPE kyso_http_requests_in_flight gauge");
        let _ = writeln!(
            out,
            "kyso_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP kyso_work_in_progress CPU jobs running or waiting for a slot."
        );
        let _ = writeln!(out, "# TYPE kyso_work_in_progress gauge");
        let _ = writeln!(
            out,
            "kyso_work_in_progress {}",
            self.queued_work.load(Ordering::Relaxed)
        );
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
