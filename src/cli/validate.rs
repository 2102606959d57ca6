//! `edgesim validate`: checks scenario files (parse, units, references,
//! resolution) without running them; one line per file.

use super::failure::{Failure, EXIT_INPUT, EXIT_OK};
use std::path::PathBuf;

/// The flags of `edgesim validate`.
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
}

/// Runs `edgesim validate`; exit 2 when a file is invalid.
pub fn execute(a: ValidateArgs) -> Result<u8, Failure> {
    validate(&a.scenarios)
}

fn validate(paths: &[PathBuf]) -> Result<u8, Failure> {
    let mut bad = 0;
    for path in paths {
        let checked = edgesim::scenario::load(path).and_then(edgesim::prepare);
        match checked {
            Ok(p) => outln!(
                "ok    {} ({}: {} PoPs, {} client sites, {} expectations)",
                path.display(),
                p.scenario.name(),
                p.world.pops.len(),
                p.world.sites.len(),
                p.expectations.len()
            ),
            Err(e) => {
                bad += 1;
                errln!("error: {e}");
            }
        }
    }
    Ok(if bad == 0 { EXIT_OK } else { EXIT_INPUT })
}
