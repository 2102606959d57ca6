//! `[traffic.demand]` read into a [`Demand`]: each key checked, and a
//! mistake is an error naming the key and what was expected.

use super::{Daily, Demand, Surge, DAY_S};
use crate::scenario::schema::{DemandSpec, SurgeSpec};
use crate::scenario::{Scenario, ScenarioError};
use crate::world::catalog::Region;
use crate::world::World;
use toml::Spanned;

/// The scenario's demand over time, if it has `[traffic.demand]` or
/// surges (a flat curve then), with surges resolved against `world`'s sites.
pub fn from_scenario(s: &Scenario, world: &World) -> Result<Option<Demand>, ScenarioError> {
    let traffic = s.spec.traffic.get_ref();
    let surges =
        traffic.surges.iter().enumerate().map(|(i, x)| surge(s, world, i, x)).collect::<Result<Vec<_>, _>>()?;
    let mut demand = match &traffic.demand {
        Some(spec) => curve(s, spec.get_ref())?,
        None if surges.is_empty() => return Ok(None),
        None => Demand {
            daily: Daily::hourly([1.0; 24]),
            weekly: [1.0; 7],
            growth_per_year: 0.0,
            start_s: 0.0,
            surges: Vec::new(),
        },
    };
    demand.surges = surges;
    Ok(Some(demand))
}

fn surge(s: &Scenario, world: &World, i: usize, x: &Spanned<SurgeSpec>) -> Result<Surge, ScenarioError> {
    let here = format!("traffic.surge[{}]", i + 1);
    let v = x.get_ref();
    let err = |span: std::ops::Range<usize>, m: String| s.source.error_at(span, format!("{here}.{m}"));
    let factor = v.factor.get_ref().get();
    let lasts = v.lasts.get_ref().sim();
    let ramp = v.ramp.as_ref().map_or(crate::engine::SimDuration::ZERO, |r| r.get_ref().sim());
    if ramp > lasts {
        let span = v.ramp.as_ref().map_or(x.span(), |r| r.span());
        return Err(err(
            span,
            format!(
                "ramp: {} is longer than for ({})",
                v.ramp.as_ref().map_or(String::new(), |r| r.get_ref().to_string()),
                v.lasts.get_ref()
            ),
        ));
    }
    let sites = match (&v.region, &v.near) {
        (Some(r), None) => {
            let region = Region::parse(r.get_ref())
                .ok_or_else(|| err(r.span(), format!("region: \"{}\" is not NA, EU, APAC or ROW", r.get_ref())))?;
            world.sites.iter().map(|c| world.pops[c.nearest_pop].region == region).collect()
        }
        (None, Some(code)) => {
            let pop = world.require_pop(&s.source, code, &format!("{here}.near"))?;
            world.sites.iter().map(|c| c.nearest_pop == pop).collect()
        }
        _ => {
            return Err(err(
                x.span(),
                "region or near: give one: the sites of a region, or a PoP's catchment".to_string(),
            ))
        }
    };
    let class = match &v.class {
        None => None,
        Some(c) => Some(
            ["p0", "p1", "p2", "p3"]
                .iter()
                .position(|k| c.get_ref().eq_ignore_ascii_case(k))
                .ok_or_else(|| err(c.span(), format!("class: \"{}\" is not p0, p1, p2 or p3", c.get_ref())))?
                as u8,
        ),
    };
    let from = crate::engine::SimTime::ZERO + v.at.get_ref().sim();
    Ok(Surge { from, hold_until: from + lasts, ramp, factor, sites, class })
}

fn curve(s: &Scenario, d: &DemandSpec) -> Result<Demand, ScenarioError> {
    let at = |span: std::ops::Range<usize>, m: String| s.source.error_at(span, m);
    let daily = match &d.daily {
        None => Daily::shape(20.0, 4.0, 3.0),
        Some(v) => daily(v.get_ref()).map_err(|m| at(v.span(), format!("traffic.demand.daily: {m}")))?,
    };
    let weekly = match &d.weekly {
        None => [1.0; 7],
        Some(v) => {
            let raw: Vec<f64> = v.get_ref().iter().map(|x| x.get()).collect();
            let values = profile::<7>(&raw).map_err(|m| at(v.span(), format!("traffic.demand.weekly: {m}")))?;
            Demand::weekly(values)
        }
    };
    let growth_per_year = match &d.growth {
        None => 0.0,
        Some(g) => growth(g.get_ref()).map_err(|m| at(g.span(), format!("traffic.demand.growth: {m}")))?,
    };
    let hour = optional(&d.start, time_of_day).map_err(|(sp, m)| at(sp, format!("traffic.demand.start: {m}")))?;
    let day = optional(&d.start_day, weekday).map_err(|(sp, m)| at(sp, format!("traffic.demand.start_day: {m}")))?;
    let start_s = day.unwrap_or(0.0) * DAY_S + hour.unwrap_or(0.0) * 3600.0;
    Ok(Demand { daily, weekly, growth_per_year, start_s, surges: Vec::new() })
}

fn optional(
    v: &Option<Spanned<String>>,
    f: impl Fn(&str) -> Result<f64, String>,
) -> Result<Option<f64>, (std::ops::Range<usize>, String)> {
    match v {
        None => Ok(None),
        Some(x) => f(x.get_ref()).map(Some).map_err(|m| (x.span(), m)),
    }
}

fn daily(v: &toml::Value) -> Result<Daily, String> {
    match v {
        toml::Value::Array(items) => {
            let values: Vec<f64> = items.iter().map(number).collect::<Result<_, _>>()?;
            Ok(Daily::hourly(profile::<24>(&values)?))
        }
        toml::Value::Table(t) => {
            for key in t.keys() {
                if !["peak_hour", "trough_hour", "ratio"].contains(&key.as_str()) {
                    return Err(format!("unknown key `{key}`; a shape takes peak_hour, trough_hour and ratio"));
                }
            }
            let get = |k: &str, default: f64| t.get(k).map_or(Ok(default), number);
            let (peak, trough, ratio) = (get("peak_hour", 20.0)?, get("trough_hour", 4.0)?, get("ratio", 3.0)?);
            for (k, h) in [("peak_hour", peak), ("trough_hour", trough)] {
                if !(0.0..24.0).contains(&h) {
                    return Err(format!("{k} {h} is not a local hour in [0, 24)"));
                }
            }
            if peak == trough {
                return Err(format!("peak_hour and trough_hour are both {peak}; expected different hours"));
            }
            if !(1.0..=1000.0).contains(&ratio) {
                return Err(format!("ratio {ratio} (peak / trough) is not in [1, 1000]"));
            }
            Ok(Daily::shape(peak, trough, ratio))
        }
        _ => Err("expected { peak_hour, trough_hour, ratio } or a list of 24 hourly values".to_string()),
    }
}

fn number(v: &toml::Value) -> Result<f64, String> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) => Ok(*f),
        other => Err(format!("expected a number, found {}", other.type_str())),
    }
}

/// `N` finite values >= 0, not all 0 (and none absurdly large).
fn profile<const N: usize>(values: &[f64]) -> Result<[f64; N], String> {
    let out: [f64; N] = values.try_into().map_err(|_| format!("expected {N} values, found {}", values.len()))?;
    if let Some(bad) = out.iter().find(|v| !v.is_finite() || **v < 0.0 || **v > 1e6) {
        return Err(format!("value {bad} is not a finite number in [0, 1e6]"));
    }
    if out.iter().all(|v| *v == 0.0) {
        return Err("every value is 0; expected relative demand with some above 0".to_string());
    }
    Ok(out)
}

/// `"30%/year"` as 0.3 (from -99% to +1000%).
fn growth(text: &str) -> Result<f64, String> {
    let err = || format!("\"{text}\": expected a percentage per year, e.g. \"30%/year\" or \"-5%/year\"");
    let pct = text.trim().strip_suffix("%/year").ok_or_else(err)?;
    let g: f64 = pct.trim().parse().map_err(|_| err())?;
    if !(-99.0..=1000.0).contains(&g) {
        return Err(format!("{g}%/year is not in [-99%, 1000%]"));
    }
    Ok(g / 100.0)
}

/// `"HH:MM"` as hours.
fn time_of_day(text: &str) -> Result<f64, String> {
    let err = || format!("\"{text}\": expected a UTC time of day \"HH:MM\" (00:00 to 23:59)");
    let (h, m) = text.split_once(':').ok_or_else(err)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    if h > 23 || m > 59 {
        return Err(err());
    }
    Ok(f64::from(h) + f64::from(m) / 60.0)
}

/// `mon` .. `sun` as days after Monday.
fn weekday(text: &str) -> Result<f64, String> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    DAYS.iter()
        .position(|d| text.eq_ignore_ascii_case(d))
        .map(|i| i as f64)
        .ok_or_else(|| format!("\"{text}\": expected one of mon, tue, wed, thu, fri, sat, sun"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_their_values_and_refuse_the_rest() {
        assert_eq!(growth("30%/year"), Ok(0.3));
        assert!(growth("30%").is_err() && growth("5000%/year").is_err() && growth("x%/year").is_err());
        assert_eq!(time_of_day("18:30"), Ok(18.5));
        assert!(time_of_day("24:00").is_err() && time_of_day("7").is_err());
        assert_eq!(weekday("Sat"), Ok(5.0));
        assert!(weekday("someday").is_err());
        assert!(profile::<7>(&[1.0; 6]).is_err());
        assert!(profile::<7>(&[0.0; 7]).is_err());
        assert!(profile::<7>(&[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, f64::NAN]).is_err());
        let shape: toml::Value =
            toml::from_str::<toml::Table>("d = { peak_hour = 19, ratio = 4 }").unwrap()["d"].clone();
        assert_eq!(daily(&shape), Ok(Daily::shape(19.0, 4.0, 4.0)));
        let bad: toml::Value = toml::from_str::<toml::Table>("d = { peak = 19 }").unwrap()["d"].clone();
        assert!(daily(&bad).unwrap_err().contains("unknown key `peak`"));
        let same: toml::Value = toml::from_str::<toml::Table>("d = { peak_hour = 4 }").unwrap()["d"].clone();
        assert!(daily(&same).is_err());
    }
}
