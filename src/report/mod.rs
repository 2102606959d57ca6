//! Reports of a run: summary.json, timeseries.csv, the terminal table, and
//! safe writing of result files.

pub mod charts;
pub mod files;
pub mod html;
pub mod outputs;
pub mod summary;

use crate::metrics::Recorder;
use std::fmt::Write as _;
pub use summary::Summary;

/// `timeseries.csv`: one row per bucket of send time, tidy (one header row,
/// one observation per row) for pandas or a spreadsheet.
pub fn timeseries_csv(rec: &Recorder) -> String {
    let width_s = rec.bucket_width().as_secs_f64();
    let mut out = String::from("t_s,issued,succeeded,failed,availability,latency_p50_ms,latency_p99_ms\n");
    for (i, b) in rec.buckets.iter().enumerate() {
        let avail = b.counts.availability().map_or(String::new(), |a| format!("{a:.6}"));
        let (p50, p99) = b.latency.as_ref().map_or((String::new(), String::new()), |h| {
            (format!("{:.3}", h.quantile_ms(0.5)), format!("{:.3}", h.quantile_ms(0.99)))
        });
        let _ = writeln!(
            out,
            "{},{},{},{},{avail},{p50},{p99}",
            i as f64 * width_s,
            b.counts.issued,
            b.counts.succeeded,
            b.counts.failed()
        );
    }
    out
}

/// `pops_timeseries.csv`: one row per PoP per control period (tidy).
pub fn pop_series_csv(series: &[crate::sim::PopSample], codes: &[String]) -> String {
    let mut out = String::from("t_s,pop,servers,arrivals,shed,spilled,cpu,shed_level\n");
    for r in series {
        let code = codes.get(r.pop as usize).map_or("?", |c| c.as_str());
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{:.4},{}",
            r.t_s, code, r.servers, r.arrivals, r.shed, r.spilled, r.cpu, r.shed_level
        );
    }
    out
}

/// `levels.csv`: every change of the global level and of each PoP's level
/// (`scope` is `global` or a PoP code), tidy.
pub fn levels_csv(levels: &crate::sim::levels::LevelResult, codes: &[String]) -> String {
    let mut out = String::from("t_s,scope,level\n");
    let _ = writeln!(out, "0,global,0");
    for (t, l) in &levels.global.transitions {
        let _ = writeln!(out, "{},global,{l}", t.as_secs_f64());
    }
    for (i, track) in levels.per_pop.iter().enumerate() {
        let code = codes.get(i).map_or("?", |c| c.as_str());
        for (t, l) in &track.transitions {
            let _ = writeln!(out, "{},{code},{l}", t.as_secs_f64());
        }
    }
    out
}

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
