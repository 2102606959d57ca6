//! `edgesim catalog`: an embedded PoP catalog (`--catalog builtin`, the
//! default, or `global`) as a table or CSV, optionally one region's PoPs
//! only.

use super::failure::{input_error, Failure, EXIT_OK};
use edgesim::world::catalog::{self, Region};

/// The flags of `edgesim catalog`.
#[derive(clap::Args)]
pub struct CatalogArgs {
    /// Which embedded catalog: builtin (309 PoPs, the default of scenarios)
    /// or global (569 PoPs: builtin plus regional metros).
    #[arg(long, value_enum, default_value = "builtin")]
    catalog: CatalogName,
    /// Only this region: NA, EU, APAC or ROW.
    #[arg(long)]
    region: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: CatalogFormat,
}

/// Runs `edgesim catalog`.
pub fn execute(a: CatalogArgs) -> Result<u8, Failure> {
    list_catalog(a.catalog, a.region.as_deref(), a.format)
}

/// The embedded catalogs, by the names scenarios give them.
#[derive(Clone, Copy, clap::ValueEnum)]
enum CatalogName {
    Builtin,
    Global,
}

impl CatalogName {
    fn pops(self) -> &'static [catalog::CatalogPop] {
        match self {
            CatalogName::Builtin => catalog::builtin(),
            CatalogName::Global => catalog::global(),
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CatalogFormat {
    Table,
    Csv,
}

fn list_catalog(name: CatalogName, region: Option<&str>, format: CatalogFormat) -> Result<u8, Failure> {
    let wanted = match region {
        Some(r) => Some(Region::parse(r).ok_or_else(|| {
            input_error(format!("--region: unknown region \"{r}\"; expected one of NA, EU, APAC, ROW"))
        })?),
        None => None,
    };
    let pops = name.pops().iter().filter(|p| wanted.is_none_or(|w| p.region == w));
    let mut out = String::new();
    match format {
        CatalogFormat::Csv => {
            out.push_str("code,city,country,region,lat,lon,weight\n");
            for p in pops {
                out.push_str(&format!(
                    "{},{},{},{},{:.4},{:.4},{}\n",
                    p.code,
                    p.city,
                    p.country,
                    p.region.as_str(),
                    p.lat_deg,
                    p.lon_deg,
                    p.weight
                ));
            }
        }
        CatalogFormat::Table => {
            out.push_str(&format!(
                "{:<5} {:<6} {:<24} {:<8} {:>9} {:>10} {:>7}\n",
                "code", "region", "city", "country", "lat", "lon", "weight"
            ));
            let mut n = 0;
            for p in pops {
                n += 1;
                out.push_str(&format!(
                    "{:<5} {:<6} {:<24} {:<8} {:>9.4} {:>10.4} {:>7}\n",
                    p.code,
                    p.region.as_str(),
                    p.city,
                    p.country,
                    p.lat_deg,
                    p.lon_deg,
                    p.weight
                ));
            }
            out.push_str(&format!("{n} PoPs\n"));
        }
    }
    out!("{out}");
    Ok(EXIT_OK)
}
