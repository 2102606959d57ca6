//! `regions.csv`: the load per client region over time, one row per
//! time-series bucket and region with traffic: the requests the region's
//! clients offered (sent, a retried request once) and those served
//! (succeeded), by send time, as rates.

use super::csv_files::CsvText;
use crate::sim::RunResult;
use crate::world::catalog::Region;

/// The file's name in a results folder.
pub const REGIONS_CSV: &str = "regions.csv";

/// The file's columns.
pub const REGIONS_COLUMNS: [&str; 4] = ["t_s", "region", "offered_rps", "served_rps"];

/// `regions.csv` of a run: per bucket (`t_s`: its end, s, at most the
/// run's end), per region in [`Region::ALL`] order with requests offered
/// in it, the offered and served rates (requests / the bucket's seconds,
/// 3 decimals).
pub fn regions_csv(result: &RunResult) -> String {
    let rec = &result.recorder;
    let series = &rec.regions;
    let width_ns = rec.bucket_width().as_nanos().max(1);
    let end_ns = result.end.as_nanos();
    let mut out = CsvText::new(REGIONS_COLUMNS);
    for b in 0..series.buckets() {
        let from_ns = b as u64 * width_ns;
        let to_ns = (from_ns + width_ns).min(end_ns.max(from_ns + 1));
        let seconds = (to_ns - from_ns) as f64 / 1e9;
        for (r, region) in Region::ALL.iter().enumerate().take(series.regions()) {
            let c = series.cell(b, r);
            if c.issued == 0 {
                continue;
            }
            out.row([
                (to_ns as f64 / 1e9).to_string(),
                region.as_str().to_string(),
                format!("{:.3}", c.issued as f64 / seconds),
                format!("{:.3}", c.succeeded as f64 / seconds),
            ]);
        }
    }
    out.finish()
}
