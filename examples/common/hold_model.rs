//! The hold model's workload, shared by `examples/hold.rs` and
//! `benches/engine.rs`: a 16-byte event payload and Exp(mean 1 us) delays.

use edgesim::engine::rng::Stream;
use rand_distr::{Distribution, Exp};

/// A small event payload, like a model's event enum (16 bytes).
#[derive(Debug, Clone, Copy)]
pub enum Ev {
    /// A made-up arrival.
    Arrive { site: u32, id: u64 },
    /// A made-up departure.
    Depart { pop: u16, id: u64 },
}

const _: () = assert!(std::mem::size_of::<Ev>() == 16);

impl Ev {
    /// The `i`-th event (arrivals and departures alternate).
    pub fn new(i: u64) -> Self {
        if i % 2 == 0 {
            Ev::Arrive { site: i as u32, id: i }
        } else {
            Ev::Depart { pop: i as u16, id: i }
        }
    }

    /// A number derived from the payload, so reading it is not optimised away.
    pub fn id(self) -> u64 {
        match self {
            Ev::Arrive { site, id } => id ^ site as u64,
            Ev::Depart { pop, id } => id ^ pop as u64,
        }
    }
}

/// Exp(1) with a mean of 1 us.
pub fn exp_1us() -> Exp<f64> {
    Exp::new(1.0 / 1_000.0).expect("positive rate")
}

/// One delay, as integer nanoseconds.
pub fn delay(exp: &Exp<f64>, rng: &mut Stream) -> u64 {
    exp.sample(rng) as u64
}
