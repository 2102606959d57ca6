//! Criterion benchmark of the event queue: the classic hold model.
//!
//! The queue is filled with `pending` events at Exp(mean 1 us) times; each
//! iteration then runs [`STEPS`] hold steps (pop the earliest, schedule one at
//! `now + Exp(mean 1 us)`), so the queue stays at `pending` in steady state.
//! Throughput is in events (one pop plus one schedule each). The same loop on
//! a bare `BinaryHeap<Reverse<(u64, u64)>>` (no payload) is the baseline.
//!
//! ```text
//! cargo bench --bench engine
//! ```

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
#[path = "../examples/common/hold_model.rs"]
mod hold_model;

use edgesim::engine::rng;
use edgesim::engine::{EventQueue, SimDuration, SimTime};
use hold_model::{delay, exp_1us, Ev};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

/// Hold steps per iteration.
const STEPS: u64 = 100_000;
/// Queue sizes benchmarked.
const PENDING: [usize; 2] = [1_000, 100_000];

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(STEPS));
    for pending in PENDING {
        group.bench_with_input(BenchmarkId::new("event_queue", pending), &pending, |b, &pending| {
            let exp = exp_1us();
            let mut rng = rng::stream(7, "hold");
            let mut q = EventQueue::with_capacity(pending + 1);
            for i in 0..pending as u64 {
                q.schedule_at(SimTime(delay(&exp, &mut rng)), Ev::new(i));
            }
            let mut i = 0u64;
            b.iter(|| {
                let mut sum = 0u64;
                for _ in 0..STEPS {
                    let s = q.pop().expect("hold keeps the queue full");
                    sum = sum.wrapping_add(s.event.id());
                    q.schedule_in(SimDuration(delay(&exp, &mut rng)), Ev::new(i));
                    i += 1;
                }
                black_box(sum)
            });
        });
        group.bench_with_input(BenchmarkId::new("binaryheap", pending), &pending, |b, &pending| {
            let exp = exp_1us();
            let mut rng = rng::stream(7, "hold");
            let mut heap = BinaryHeap::with_capacity(pending + 1);
            let mut seq = 0u64;
            for _ in 0..pending {
                heap.push(Reverse((delay(&exp, &mut rng), seq)));
                seq += 1;
            }
            b.iter(|| {
                let mut now = 0;
                for _ in 0..STEPS {
                    let Reverse((t, _)) = heap.pop().expect("hold keeps the heap full");
                    now = t;
                    heap.push(Reverse((now + delay(&exp, &mut rng), seq)));
                    seq += 1;
                }
                black_box(now)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
