//! `[[failure]]`: failure processes, beside the scripted `[[fault]]`s. Each
//! table gives a kind of unit failure (a PoP, a region, a KV primary, a
//! Durable Object region, the origin, the control plane) with its time to
//! failure (TTF) and time to repair (TTR), or a regional event that takes
//! several PoPs of a region down together. `mtbf` and `mttr` are
//! shorthands for exponential laws with those means. The model is
//! `crate::failures` (layer 3); which keys go with which kind is checked
//! here ([`FailureSpec::check`]), PoP codes and catalog regions when the
//! world is built.

use super::only_keys;
use crate::scenario::units::{Count, LogSigma, LongDuration, PositiveDuration, Share, WeibullShape};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Most `[[failure]]` tables in one scenario.
pub const MAX_FAILURES: usize = 1_000;

/// One `[[failure]]`: a failure process on one or more units, or a
/// regional event (`kind = "region-event"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// What fails: a fault kind, or `region-event`.
    pub kind: Spanned<FailureKind>,
    /// `pops = "all"`: every PoP of the topology (`pop-down`).
    pub pops: Option<Spanned<AllPops>>,
    /// A PoP code (`pop-down`).
    pub pop: Option<Spanned<String>>,
    /// A catalog region (`NA`, `EU`, `APAC`, `ROW`) for `pop-down` and
    /// `region-event`; a state region (`NA`, `EU`, `APAC`) for
    /// `region-down`, `kv-primary-down` and `do-region-down`.
    pub region: Option<Spanned<String>>,
    /// Mean time between failures: an exponential TTF with this mean.
    pub mtbf: Option<Spanned<LongDuration>>,
    /// Mean time to repair: an exponential TTR with this mean.
    pub mttr: Option<Spanned<PositiveDuration>>,
    /// The law of the time to failure (instead of `mtbf`).
    pub ttf: Option<Spanned<LifetimeSpec>>,
    /// The law of the time to repair (instead of `mttr`).
    pub ttr: Option<Spanned<LifetimeSpec>>,
    /// A share of repairs that need a human, with their own (longer) TTR.
    pub human: Option<Spanned<HumanSpec>>,
    /// For `region-event`: the share of the region's PoPs it takes down.
    pub share: Option<Spanned<Share>>,
    /// For `region-event`: how many of the region's PoPs it takes down.
    pub count: Option<Spanned<Count<1, 100_000>>>,
}

/// What a `[[failure]]` makes fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// A PoP stops answering (one PoP, a region's or all).
    PopDown,
    /// Every PoP of a state region and its Durable Object region.
    RegionDown,
    /// A state region's KV primary.
    KvPrimaryDown,
    /// A state region's Durable Objects.
    DoRegionDown,
    /// The origin.
    OriginDown,
    /// The control plane.
    ControlPlaneDown,
    /// A region-wide event taking a share or a count of its PoPs down together.
    RegionEvent,
}

impl FailureKind {
    /// The name in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::PopDown => "pop-down",
            FailureKind::RegionDown => "region-down",
            FailureKind::KvPrimaryDown => "kv-primary-down",
            FailureKind::DoRegionDown => "do-region-down",
            FailureKind::OriginDown => "origin-down",
            FailureKind::ControlPlaneDown => "control-plane-down",
            FailureKind::RegionEvent => "region-event",
        }
    }

    /// The scripted fault kind a unit failure behaves as (`region-event`
    /// takes PoPs down: `pop-down`).
    pub fn fault_kind(self) -> super::FaultKind {
        use super::FaultKind as F;
        match self {
            FailureKind::PopDown | FailureKind::RegionEvent => F::PopDown,
            FailureKind::RegionDown => F::RegionDown,
            FailureKind::KvPrimaryDown => F::KvPrimaryDown,
            FailureKind::DoRegionDown => F::DoRegionDown,
            FailureKind::OriginDown => F::OriginDown,
            FailureKind::ControlPlaneDown => F::ControlPlaneDown,
        }
    }

    /// True for the kinds that strike a state region (`region = "EU"`).
    pub fn strikes_state_region(self) -> bool {
        matches!(self, FailureKind::RegionDown | FailureKind::KvPrimaryDown | FailureKind::DoRegionDown)
    }
}

/// `pops = "all"`: the only value the key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllPops;

impl<'de> Deserialize<'de> for AllPops {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == "all" {
            Ok(AllPops)
        } else {
            Err(serde::de::Error::custom(format!(
                "got \"{text}\"; expected \"all\" (for one PoP write pop = \"CODE\", for a region region = \"EU\")"
            )))
        }
    }
}

/// `human = { share = 0.1, mttr = "4h" }` or `{ share = 0.1, ttr = {...} }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HumanSpec {
    /// The share of repairs that need a human.
    pub share: Share,
    /// Their mean time to repair (exponential).
    pub mttr: Option<PositiveDuration>,
    /// Their law of the time to repair (instead of `mttr`).
    pub ttr: Option<LifetimeSpec>,
}

impl HumanSpec {
    /// The law of a human repair's time, if given once.
    pub fn lifetime(&self) -> Option<LifetimeSpec> {
        match (self.mttr, self.ttr) {
            (Some(m), None) => Some(LifetimeSpec::Exponential { mean: LongDuration(m.sim()) }),
            (None, Some(t)) => Some(t),
            _ => None,
        }
    }
}

/// A law of a time to failure or to repair, as the file writes it:
/// `{ dist = "exponential", mean = "30d" }`, `{ dist = "weibull", shape =
/// 1.5, mean = "30d" }` (or `scale`), `{ dist = "lognormal", median =
/// "10m", sigma = 1.0 }` (or `mean`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum LifetimeSpec {
    /// Exponential with this mean.
    Exponential {
        /// The mean.
        mean: LongDuration,
    },
    /// Weibull with this shape and this scale.
    WeibullScale {
        /// The shape (1: exponential).
        shape: WeibullShape,
        /// The scale (the 63rd percentile).
        scale: LongDuration,
    },
    /// Weibull with this shape and this mean.
    WeibullMean {
        /// The shape (1: exponential).
        shape: WeibullShape,
        /// The mean.
        mean: LongDuration,
    },
    /// Lognormal with this median and this sigma of its logarithm.
    LognormalMedian {
        /// The median.
        median: LongDuration,
        /// The standard deviation of the logarithm.
        sigma: LogSigma,
    },
    /// Lognormal with this mean and this sigma of its logarithm.
    LognormalMean {
        /// The mean.
        mean: LongDuration,
        /// The standard deviation of the logarithm.
        sigma: LogSigma,
    },
}

/// The names of the laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum LifetimeKind {
    Exponential,
    Weibull,
    Lognormal,
}

/// A law's table as written, before its keys are matched to `dist`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLifetime {
    dist: LifetimeKind,
    mean: Option<LongDuration>,
    scale: Option<LongDuration>,
    median: Option<LongDuration>,
    shape: Option<WeibullShape>,
    sigma: Option<LogSigma>,
}

impl RawLifetime {
    fn into_spec(self) -> Result<LifetimeSpec, String> {
        let given = [
            ("mean", self.mean.is_some()),
            ("scale", self.scale.is_some()),
            ("median", self.median.is_some()),
            ("shape", self.shape.is_some()),
            ("sigma", self.sigma.is_some()),
        ];
        Ok(match (self.dist, self.shape, self.sigma) {
            (LifetimeKind::Exponential, _, _) => match self.mean {
                Some(mean) => {
                    only_keys("dist = \"exponential\"", &given, &["mean"], &[])?;
                    LifetimeSpec::Exponential { mean }
                }
                None => return Err("missing field `mean`: dist = \"exponential\" needs `mean`".to_string()),
            },
            (LifetimeKind::Weibull, Some(shape), _) => match (self.mean, self.scale) {
                (Some(mean), None) => {
                    only_keys("dist = \"weibull\"", &given, &["shape", "mean"], &[])?;
                    LifetimeSpec::WeibullMean { shape, mean }
                }
                (None, Some(scale)) => {
                    only_keys("dist = \"weibull\"", &given, &["shape", "scale"], &[])?;
                    LifetimeSpec::WeibullScale { shape, scale }
                }
                _ => return Err("dist = \"weibull\" needs `shape` and one of `mean`, `scale`".to_string()),
            },
            (LifetimeKind::Lognormal, _, Some(sigma)) => match (self.median, self.mean) {
                (Some(median), None) => {
                    only_keys("dist = \"lognormal\"", &given, &["median", "sigma"], &[])?;
                    LifetimeSpec::LognormalMedian { median, sigma }
                }
                (None, Some(mean)) => {
                    only_keys("dist = \"lognormal\"", &given, &["mean", "sigma"], &[])?;
                    LifetimeSpec::LognormalMean { mean, sigma }
                }
                _ => return Err("dist = \"lognormal\" needs `sigma` and one of `median`, `mean`".to_string()),
            },
            (LifetimeKind::Weibull, None, _) => {
                return Err("missing field `shape`: dist = \"weibull\" needs `shape` and `mean` or `scale`".to_string())
            }
            (LifetimeKind::Lognormal, _, None) => {
                return Err(
                    "missing field `sigma`: dist = \"lognormal\" needs `sigma` and `median` or `mean`".to_string()
                )
            }
        })
    }
}

impl<'de> Deserialize<'de> for LifetimeSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawLifetime::deserialize(d)?.into_spec().map_err(serde::de::Error::custom)
    }
}

/// Where a check of a `[[failure]]` failed: the key to point at (or none
/// for the whole table) and what is wrong.
pub type FailureProblem = (Option<std::ops::Range<usize>>, String);

impl FailureSpec {
    /// The time to failure as a law, if given once (`mtbf` or `ttf`).
    pub fn ttf_law(&self) -> Option<LifetimeSpec> {
        match (&self.mtbf, &self.ttf) {
            (Some(m), None) => Some(LifetimeSpec::Exponential { mean: *m.get_ref() }),
            (None, Some(t)) => Some(*t.get_ref()),
            _ => None,
        }
    }

    /// The time to repair as a law, if given once (`mttr` or `ttr`).
    pub fn ttr_law(&self) -> Option<LifetimeSpec> {
        match (&self.mttr, &self.ttr) {
            (Some(m), None) => Some(LifetimeSpec::Exponential { mean: LongDuration(m.get_ref().sim()) }),
            (None, Some(t)) => Some(*t.get_ref()),
            _ => None,
        }
    }

    /// Checks that the table holds the keys its kind takes, once each;
    /// `here` names it (`failure[2]`). PoP codes and catalog regions are
    /// checked against the world later; a state region here.
    pub fn check(&self, here: &str) -> Result<(), FailureProblem> {
        let kind = *self.kind.get_ref();
        let name = kind.as_str();
        if self.ttf_law().is_none() {
            let s = self.mtbf.as_ref().map(|m| m.span());
            return Err((s, format!("{here}: {name} needs one of mtbf = \"<duration>\" or ttf = {{ dist = ... }}")));
        }
        if self.ttr_law().is_none() {
            let s = self.mttr.as_ref().map(|m| m.span());
            return Err((s, format!("{here}: {name} needs one of mttr = \"<duration>\" or ttr = {{ dist = ... }}")));
        }
        if let Some(h) = &self.human {
            if kind == FailureKind::RegionEvent {
                return Err((
                    Some(h.span()),
                    format!("{here}.human: region-event takes no human repairs; remove human"),
                ));
            }
            if h.get_ref().lifetime().is_none() {
                return Err((
                    Some(h.span()),
                    format!("{here}.human: needs one of mttr = \"<duration>\" or ttr = {{ dist = ... }} for the human repairs"),
                ));
            }
        }
        self.check_target(here)
    }

    /// Checks the keys naming what fails (`pops`, `pop`, `region`, `share`, `count`).
    fn check_target(&self, here: &str) -> Result<(), FailureProblem> {
        let kind = *self.kind.get_ref();
        let name = kind.as_str();
        let whole = Some(self.kind.span());
        let extra = |key: &str, s: std::ops::Range<usize>| {
            Err((Some(s), format!("{here}.{key}: {name} takes no {key}; remove it")))
        };
        let is_event = kind == FailureKind::RegionEvent;
        match (&self.share, &self.count) {
            (Some(s), _) if !is_event => return extra("share", s.span()),
            (_, Some(c)) if !is_event => return extra("count", c.span()),
            (Some(_), Some(c)) => {
                return Err((Some(c.span()), format!("{here}.count: give either share or count, not both")))
            }
            (None, None) if is_event => {
                return Err((whole, format!("{here}: region-event needs share = <0..1> or count = <PoPs>")))
            }
            _ => {}
        }
        let targets = [self.pops.is_some(), self.pop.is_some(), self.region.is_some()].iter().filter(|&&b| b).count();
        match kind {
            FailureKind::PopDown if targets != 1 => Err((
                whole,
                format!("{here}: pop-down needs exactly one of pops = \"all\", pop = \"CODE\" or region = \"EU\""),
            )),
            FailureKind::PopDown => Ok(()),
            _ if self.pops.is_some() => extra("pops", self.pops.as_ref().map_or(0..0, |p| p.span())),
            _ if self.pop.is_some() => extra("pop", self.pop.as_ref().map_or(0..0, |p| p.span())),
            FailureKind::OriginDown | FailureKind::ControlPlaneDown => match &self.region {
                Some(r) => extra("region", r.span()),
                None => Ok(()),
            },
            _ => self.check_region(here),
        }
    }

    /// Checks `region` for the kinds that need one.
    fn check_region(&self, here: &str) -> Result<(), FailureProblem> {
        let kind = *self.kind.get_ref();
        let Some(r) = &self.region else {
            let which = if kind == FailureKind::RegionEvent { "NA, EU, APAC or ROW" } else { "NA, EU or APAC" };
            return Err((Some(self.kind.span()), format!("{here}: {} needs region = {which}", kind.as_str())));
        };
        if kind.strikes_state_region() && crate::scenario::regions::state_region(r.get_ref()).is_none() {
            return Err((
                Some(r.span()),
                format!("{here}.region: unknown state region \"{}\"; expected NA, EU or APAC", r.get_ref()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<FailureSpec, String> {
        toml::from_str::<FailureSpec>(text).map_err(|e| e.message().to_string())
    }

    fn problem(text: &str) -> String {
        match read(text) {
            Ok(f) => f.check("failure[1]").err().map(|p| p.1).unwrap_or_default(),
            Err(e) => e,
        }
    }

    #[test]
    fn reads_shorthands_and_laws() {
        let f = read("kind = \"pop-down\"\npops = \"all\"\nmtbf = \"30d\"\nmttr = \"15m\"").unwrap();
        assert!(f.check("f").is_ok());
        let mean = |l: Option<LifetimeSpec>| match l {
            Some(LifetimeSpec::Exponential { mean }) => mean.sim().as_secs_f64(),
            _ => -1.0,
        };
        assert_eq!(mean(f.ttf_law()), 30.0 * 86_400.0);
        assert_eq!(mean(f.ttr_law()), 900.0);
        let f = read(
            "kind = \"origin-down\"\nttf = { dist = \"weibull\", shape = 1.5, mean = \"3650d\" }\n\
             ttr = { dist = \"lognormal\", median = \"10m\", sigma = 1.0 }\nhuman = { share = 0.1, mttr = \"4h\" }",
        )
        .unwrap();
        assert!(f.check("f").is_ok());
        assert!(matches!(f.ttf_law(), Some(LifetimeSpec::WeibullMean { .. })));
        assert!(matches!(f.ttr_law(), Some(LifetimeSpec::LognormalMedian { .. })));
        assert!(matches!(f.human.map(|h| h.get_ref().lifetime()), Some(Some(LifetimeSpec::Exponential { .. }))));
    }

    #[test]
    fn rejects_what_does_not_fit_the_kind() {
        let cases = [
            ("kind = \"pop-degraded\"\nmtbf = \"1d\"\nmttr = \"1m\"", "unknown variant `pop-degraded`"),
            ("kind = \"pop-down\"\npops = \"some\"\nmtbf = \"1d\"\nmttr = \"1m\"", "expected \"all\""),
            ("kind = \"pop-down\"\nmtbf = \"1d\"\nmttr = \"1m\"", "needs exactly one of pops"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nregion = \"EU\"\nmtbf = \"1d\"\nmttr = \"1m\"", "exactly one"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nmttr = \"1m\"", "needs one of mtbf"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"1d\"", "needs one of mttr"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"1d\"\nttf = { dist = \"exponential\", mean = \"1d\" }\nmttr = \"1m\"", "needs one of mtbf"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"1d\"\nmttr = \"1m\"\nhuman = { share = 0.1 }", "human: needs one of mttr"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"1d\"\nmttr = \"1m\"\nhuman = { share = 1.5, mttr = \"1h\" }", "got 1.5"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"1d\"\nmttr = \"1m\"\nshare = 0.5", "failure[1].share: pop-down takes no share"),
            ("kind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"1d\"\nmttr = \"1m\"\nfoo = 1", "unknown field `foo`"),
            ("kind = \"region-event\"\nregion = \"EU\"\nmtbf = \"180d\"\nmttr = \"1h\"", "needs share"),
            ("kind = \"region-event\"\nregion = \"EU\"\nmtbf = \"180d\"\nmttr = \"1h\"\nshare = 1.2", "got 1.2"),
            ("kind = \"region-event\"\nregion = \"EU\"\nmtbf = \"180d\"\nmttr = \"1h\"\nshare = 0.3\ncount = 2", "not both"),
            ("kind = \"region-event\"\nmtbf = \"180d\"\nmttr = \"1h\"\nshare = 0.3", "needs region"),
            ("kind = \"kv-primary-down\"\nregion = \"ROW\"\nmtbf = \"180d\"\nmttr = \"1h\"", "unknown state region \"ROW\""),
            ("kind = \"origin-down\"\nregion = \"EU\"\nmtbf = \"180d\"\nmttr = \"1h\"", "origin-down takes no region"),
            ("kind = \"origin-down\"\nmtbf = \"0s\"\nmttr = \"1h\"", "above 0"),
            ("kind = \"origin-down\"\nmtbf = \"40000d\"\nmttr = \"1h\"", "30 years"), ("kind = \"origin-down\"\nmtbf = \"11000d\"\nmttr = \"1h\"", "at most 30 years"),
            ("kind = \"origin-down\"\nmtbf = 5\nmttr = \"1h\"", "expected a duration string"),
            ("kind = \"origin-down\"\nmtbf = \"1d\"\nttr = { dist = \"weibull\", mean = \"1h\" }", "missing field `shape`"),
            ("kind = \"origin-down\"\nmtbf = \"1d\"\nttr = { dist = \"weibull\", shape = 0.01, mean = \"1h\" }", "Weibull shape"),
            ("kind = \"origin-down\"\nmtbf = \"1d\"\nttr = { dist = \"weibull\", shape = 2, mean = \"1h\", scale = \"1h\" }", "one of `mean`, `scale`"),
            ("kind = \"origin-down\"\nmtbf = \"1d\"\nttr = { dist = \"lognormal\", median = \"1h\", sigma = 0 }", "lognormal sigma"),
            ("kind = \"origin-down\"\nmtbf = \"1d\"\nttr = { dist = \"lognormal\", median = \"1h\", sigma = 1, shape = 2 }", "unknown field `shape`"),
            ("kind = \"origin-down\"\nmtbf = \"1d\"\nttr = { dist = \"exponential\", mean = \"0s\" }", "above 0"),
            ("kind = \"origin-down\"\nmtbf = \"1d\"\nttr = { dist = \"exponential\" }", "missing field `mean`"),
        ];
        for (text, needle) in cases {
            let got = problem(text);
            assert!(got.contains(needle), "{text}\n`{got}` lacks `{needle}`");
        }
    }
}
