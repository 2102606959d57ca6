//! CSV: [`CsvText`], the one way edgesim writes a CSV file (through the
//! `csv` crate), and a run's tidy CSV files (one header row, one
//! observation per row, for pandas or a spreadsheet): `timeseries.csv`,
//! `pops_timeseries.csv` and `levels.csv`.
//!
//! Numbers are formatted here, as text, before they reach the writer, so
//! each file's bytes are fixed by this module alone.

use crate::metrics::Recorder;
use crate::sim::levels::LevelResult;
use crate::sim::PopSample;

/// A CSV text being written in memory: fields quoted only when they hold a
/// comma, a quote or a line break (quotes doubled inside), `\n` after each
/// record. Records are written as given, whatever their length (the
/// callers build each row from the header's own columns).
pub struct CsvText {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvText {
    /// A CSV text starting with the header record `header`.
    pub fn new<I, T>(header: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let writer = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Necessary)
            .terminator(csv::Terminator::Any(b'\n'))
            .flexible(true)
            .from_writer(Vec::new());
        let mut text = CsvText { writer };
        text.row(header);
        text
    }

    /// Appends one record.
    pub fn row<I, T>(&mut self, cells: I)
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        // Writing flexible records into memory cannot fail: no length check,
        // and a Vec always has room.
        let _ = self.writer.write_record(cells);
    }

    /// The text written so far, header first.
    pub fn finish(self) -> String {
        // Taking the buffer out flushes into a Vec, which cannot fail; on the
        // impossible error, what reached the Vec is kept.
        let bytes = self.writer.into_inner().unwrap_or_else(|e| e.into_inner().get_ref().clone());
        // Every field was text, so the bytes are UTF-8.
        String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// `timeseries.csv`: one row per bucket of send time (`t_s`: the bucket's
/// start, s), with counts of requests, availability (6 decimals) and
/// latency p50 and p99 (ms, 3 decimals); empty cells where a bucket has no
/// value.
pub fn timeseries_csv(rec: &Recorder) -> String {
    let width_s = rec.bucket_width().as_secs_f64();
    let mut out =
        CsvText::new(["t_s", "issued", "succeeded", "failed", "availability", "latency_p50_ms", "latency_p99_ms"]);
    for (i, b) in rec.buckets.iter().enumerate() {
        let avail = b.counts.availability().map_or(String::new(), |a| format!("{a:.6}"));
        let (p50, p99) = b.latency.as_ref().map_or((String::new(), String::new()), |h| {
            (format!("{:.3}", h.quantile_ms(0.5)), format!("{:.3}", h.quantile_ms(0.99)))
        });
        out.row([
            (i as f64 * width_s).to_string(),
            b.counts.issued.to_string(),
            b.counts.succeeded.to_string(),
            b.counts.failed().to_string(),
            avail,
            p50,
            p99,
        ]);
    }
    out.finish()
}

/// `pops_timeseries.csv`: one row per PoP per control period (`t_s`, s),
/// the PoP by its code (`?` past the end of `codes`), CPU with 4 decimals;
/// under `[isolates]`, also `cold_starts`, `memory` (utilisation, 4
/// decimals) and `warm_pool` (deployments pinned).
pub fn pop_series_csv(series: &[PopSample], codes: &[String]) -> String {
    let isolates = series.iter().any(|r| r.isolates);
    let extra: &[&str] = if isolates { &["cold_starts", "memory", "warm_pool"] } else { &[] };
    let header = [
        "t_s",
        "pop",
        "servers",
        "arrivals",
        "shed",
        "spilled",
        "cpu",
        "shed_level",
        "in_system",
        "mean_wait_ms",
        "refused",
    ];
    let mut out = CsvText::new(header.iter().chain(extra));
    for r in series {
        let code = codes.get(r.pop as usize).map_or("?", |c| c.as_str());
        let row = [
            r.t_s.to_string(),
            code.to_string(),
            r.servers.to_string(),
            r.arrivals.to_string(),
            r.shed.to_string(),
            r.spilled.to_string(),
            format!("{:.4}", r.cpu),
            r.shed_level.to_string(),
            format!("{:.4}", r.in_system),
            if r.started > 0 { format!("{:.4}", r.wait_s_sum * 1e3 / f64::from(r.started)) } else { String::new() },
            r.refused.to_string(),
        ];
        let cells = [format!("{:.2}", r.cold_starts), format!("{:.4}", r.memory), r.warm_pool.to_string()];
        out.row(row.into_iter().chain(cells.into_iter().filter(|_| isolates)));
    }
    out.finish()
}

/// `levels.csv`: every change of the global level and of each PoP's level
/// (`t_s`: when, s; `scope`: `global` or a PoP code), starting with the
/// global level 0 at 0 s.
pub fn levels_csv(levels: &LevelResult, codes: &[String]) -> String {
    let mut out = CsvText::new(["t_s", "scope", "level"]);
    out.row(["0", "global", "0"]);
    for (t, l) in &levels.global.transitions {
        out.row([t.as_secs_f64().to_string(), "global".to_string(), l.to_string()]);
    }
    for (i, track) in levels.per_pop.iter().enumerate() {
        let code = codes.get(i).map_or("?", |c| c.as_str());
        for (t, l) in &track.transitions {
            out.row([t.as_secs_f64().to_string(), code.to_string(), l.to_string()]);
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::CsvText;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut text = CsvText::new(["point", "error"]);
        text.row(["a=1,b=2", "say \"hi\""]);
        text.row(["plain", ""]);
        text.row(["two\nlines", "cr\r"]);
        assert_eq!(text.finish(), "point,error\n\"a=1,b=2\",\"say \"\"hi\"\"\"\nplain,\n\"two\nlines\",\"cr\r\"\n");
    }
}
