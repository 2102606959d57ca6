//! The classic hold model: keep `N` events pending; repeatedly pop the
//! earliest and schedule one more at `now + Exp(mean 1 us)`.
//!
//! ```text
//! cargo run --release --example hold                       # N = 1,000 and 100,000
//! cargo run --release --example hold -- --pending 5000 --events 2000000
//! cargo run --release --example hold -- --pending 5000 --all  # 1,000, 5,000 and 100,000
//! ```
//!
//! The initial times and every delay come from the stream
//! `rng::stream(SEED, "hold")`, so both queues see the same draws.
//!
//! Each run prints one line for `EventQueue` and one for a bare
//! `BinaryHeap<Reverse<(u64, u64)>>` (no payload) on the same machine:
//!
//! ```text
//! hold pending=1000 events=10000000 wall_s=0.281 events_per_s=35619674
//! hold baseline=binaryheap pending=1000 events=10000000 wall_s=0.409 events_per_s=24472856
//! ```

#[path = "common/hold_model.rs"]
mod hold_model;

use edgesim::engine::rng;
use edgesim::engine::{EventQueue, SimDuration, SimTime};
use hold_model::{delay, exp_1us, Ev};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

/// The seed of every run (the draws are the same for both queues).
const SEED: u64 = 0x5eed;

/// The hold model on `EventQueue`; returns a checksum so nothing is optimised away.
fn hold_event_queue(pending: usize, events: u64) -> (f64, u64) {
    let exp = exp_1us();
    let mut rng = rng::stream(SEED, "hold");
    let mut q = EventQueue::with_capacity(pending + 1);
    for i in 0..pending as u64 {
        let ev = Ev::new(i);
        q.schedule_at(SimTime(delay(&exp, &mut rng)), ev);
    }
    let start = Instant::now();
    let mut sum = 0u64;
    for i in 0..events {
        let s = q.pop().expect("hold keeps the queue full");
        sum = sum.wrapping_add(s.event.id());
        let ev = Ev::new(i);
        q.schedule_in(SimDuration(delay(&exp, &mut rng)), ev);
    }
    let wall = start.elapsed().as_secs_f64();
    (wall, sum.wrapping_add(q.now().0))
}

/// The same loop on a bare `BinaryHeap<Reverse<(time, seq)>>`, no payload.
fn hold_binary_heap(pending: usize, events: u64) -> (f64, u64) {
    let exp = exp_1us();
    let mut rng = rng::stream(SEED, "hold");
    let mut heap = BinaryHeap::with_capacity(pending + 1);
    let mut seq = 0u64;
    for _ in 0..pending {
        heap.push(Reverse((delay(&exp, &mut rng), seq)));
        seq += 1;
    }
    let start = Instant::now();
    let mut now = 0u64;
    for _ in 0..events {
        let Reverse((t, _)) = heap.pop().expect("hold keeps the heap full");
        now = t;
        heap.push(Reverse((now + delay(&exp, &mut rng), seq)));
        seq += 1;
    }
    let wall = start.elapsed().as_secs_f64();
    (wall, now)
}

fn line(label: &str, pending: usize, events: u64, wall: f64) -> String {
    let rate = if wall > 0.0 { (events as f64 / wall).round() as u64 } else { 0 };
    format!("hold {label}pending={pending} events={events} wall_s={wall:.3} events_per_s={rate}")
}

struct Args {
    pending: Vec<usize>,
    events: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut pending = None;
    let mut events = 10_000_000u64;
    let mut all = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = it.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.replace('_', "").parse::<u64>().map_err(|e| format!("{name} {v}: {e}"))
        };
        match a.as_str() {
            "--pending" => pending = Some(value("--pending")? as usize),
            "--events" => events = value("--events")?,
            "--all" => all = true,
            "-h" | "--help" => {
                return Err("usage: hold [--pending N] [--events M] [--all]\n\
                     default: pending 1000 and 100000, 10,000,000 events each"
                    .into())
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let pending = match (pending, all) {
        (Some(n), false) => vec![n],
        (Some(n), true) => {
            let mut v = vec![n, 1_000, 100_000];
            v.sort_unstable();
            v.dedup();
            v
        }
        (None, _) => vec![1_000, 100_000],
    };
    if pending.contains(&0) {
        return Err("--pending must be at least 1".into());
    }
    Ok(Args { pending, events })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    for &n in &args.pending {
        let (wall, sum) = hold_event_queue(n, args.events);
        black_box(sum);
        println!("{}", line("", n, args.events, wall));
        let (wall, sum) = hold_binary_heap(n, args.events);
        black_box(sum);
        println!("{}", line("baseline=binaryheap ", n, args.events, wall));
    }
    ExitCode::SUCCESS
}
