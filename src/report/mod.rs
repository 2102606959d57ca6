//! Reports of a run: summary.json, the CSV files ([`csv_files`], the
//! map's in [`map_csv`], the load per region in [`regions_csv`]), charts, report.html, the terminal table, and safe
//! writing of result files. Built from plain data; it never imports
//! `sweep`, which sits above it and uses its chart, HTML and CSV helpers
//! for a sweep's own files.

pub mod charts;
pub mod csv_files;
pub mod files;
pub mod html;
pub mod map_csv;
pub mod outputs;
pub mod regions_csv;
pub mod summary;

pub use csv_files::{levels_csv, pop_series_csv, timeseries_csv, CsvText};
pub use map_csv::{catchments_csv, map_pops_csv, CATCHMENTS_CSV, MAP_POPS_CSV};
pub use regions_csv::{regions_csv, REGIONS_CSV};
use std::fmt::Write as _;
pub use summary::Summary;

/// How many PoPs the terminal table lists (the busiest first).
pub const TABLE_POPS: usize = 10;

/// The short table `edgesim run` prints.
pub fn terminal_table(s: &Summary) -> String {
    let mut t = String::new();
    let r = &s.requests;
    let _ = writeln!(
        t,
        "requests   issued {}  succeeded {}  failed {}  availability {}",
        r.issued,
        r.succeeded,
        r.failed,
        s.availability.map_or("n/a".to_string(), |a| format!("{a:.6}"))
    );
    let _ = writeln!(
        t,
        "           drain {:.3}s after the end: {} finished in it, {} given up at its end (failed)",
        r.drain_s, r.finished_in_drain, r.given_up_at_end
    );
    let l = &s.latency_ms.all;
    let _ = writeln!(
        t,
        "latency    p50 {:.3}ms  p90 {:.3}ms  p99 {:.3}ms  p999 {:.3}ms  mean {:.3}ms",
        l.p50, l.p90, l.p99, l.p999, l.mean
    );
    let _ = writeln!(
        t,
        "\n{:<5} {:>7} {:>12} {:>8} {:>11} {:>7} {:>9} {:>10}",
        "PoP", "servers", "requests", "util", "mean wait", "p_wait", "rejected", "p99"
    );
    let mut order: Vec<usize> = (0..s.pops.len()).collect();
    order.sort_by(|&a, &b| s.pops[b].requests.cmp(&s.pops[a].requests).then(a.cmp(&b)));
    for &i in order.iter().take(TABLE_POPS) {
        let p = &s.pops[i];
        let _ = writeln!(
            t,
            "{:<5} {:>7} {:>12} {:>8.4} {:>9.3}ms {:>7.4} {:>9} {:>8.3}ms",
            p.code, p.servers, p.requests, p.utilisation, p.mean_wait_ms, p.p_wait, p.rejected, p.latency_p99_ms
        );
    }
    if s.pops.len() > TABLE_POPS {
        let _ = writeln!(t, "... and {} more PoPs in summary.json", s.pops.len() - TABLE_POPS);
    }
    if !s.expectations.is_empty() {
        let _ = writeln!(t, "\nexpectations");
        for v in &s.expectations {
            let _ = writeln!(t, "  {}  {}  (observed {})", v.status.label(), v.text, v.observed_text);
        }
    }
    t
}

/// A number in at most 6 significant digits, for tables: `18`, `0.998592`,
/// `2109.44`, `1.5000e-7` (scientific below 1e-4 and from 1e9).
pub fn short_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let mag = x.abs().log10().floor();
    if !(-4.0..9.0).contains(&mag) {
        return format!("{x:.4e}");
    }
    let decimals = (5.0 - mag).max(0.0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::short_number;

    #[test]
    fn short_numbers_keep_six_digits() {
        assert_eq!(short_number(0.998_592_123), "0.998592");
        assert_eq!(short_number(18.0), "18");
        assert_eq!(short_number(2109.4391), "2109.44");
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(1.5e-7), "1.5000e-7");
    }
}
