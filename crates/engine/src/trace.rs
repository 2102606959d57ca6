//! The event trace: a hash of every handled event, and optionally a JSONL
//! file with one line per event.

use crate::time::SimTime;
use std::hash::{Hash, Hasher};
use std::io::{self, Write};

/// A fast, portable 64-bit hasher for the event stream. It mixes whole
/// words (not bytes), so hashing an event costs a few nanoseconds.
#[derive(Debug, Clone)]
pub struct TraceHasher {
    state: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher { state: 0x243f_6a88_85a3_08d3 }
    }
}

impl TraceHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.state = (self.state ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }

    /// Folds one handled event, at `time` with sequence number `seq`, into the hash.
    #[inline]
    pub fn record<E: Hash>(&mut self, time: SimTime, seq: u64, event: &E) {
        self.mix(time.0);
        self.mix(seq);
        event.hash(self);
    }

    /// The hash of everything recorded so far.
    pub fn value(&self) -> u64 {
        let mut z = self.state;
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z ^ (z >> 33)
    }

    /// The hash as 16 lowercase hex digits, as summary.json shows it.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.value())
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        self.value()
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word) ^ ((chunk.len() as u64) << 56));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.mix(i as u64);
    }
    fn write_u16(&mut self, i: u16) {
        self.mix(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.mix(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.mix(i as u64);
    }
}

/// Writes one JSON object per handled event: `{"t_ns":..,"seq":..,"event":..}`.
pub struct TraceWriter<W: Write> {
    out: W,
}

impl<W: Write> TraceWriter<W> {
    /// A trace writing into `out` (give it a buffered writer).
    pub fn new(out: W) -> Self {
        TraceWriter { out }
    }

    /// Appends one event line.
    pub fn write<E: serde::Serialize>(&mut self, time: SimTime, seq: u64, event: &E) -> io::Result<()> {
        write!(self.out, "{{\"t_ns\":{},\"seq\":{},\"event\":", time.0, seq)?;
        serde_json::to_writer(&mut self.out, event).map_err(io::Error::other)?;
        self.out.write_all(b"}\n")
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_time_seq_and_event() {
        let h = |t, s, e: u32| {
            let mut x = TraceHasher::default();
            x.record(SimTime(t), s, &e);
            x.value()
        };
        assert_eq!(h(1, 2, 3), h(1, 2, 3));
        assert_ne!(h(1, 2, 3), h(2, 2, 3));
        assert_ne!(h(1, 2, 3), h(1, 3, 3));
        assert_ne!(h(1, 2, 3), h(1, 2, 4));
    }

    #[test]
    fn order_of_events_changes_the_hash() {
        let mut a = TraceHasher::default();
        a.record(SimTime(1), 0, &1u8);
        a.record(SimTime(1), 1, &2u8);
        let mut b = TraceHasher::default();
        b.record(SimTime(1), 1, &2u8);
        b.record(SimTime(1), 0, &1u8);
        assert_ne!(a.value(), b.value());
    }

    #[test]
    fn writer_emits_one_json_line_per_event() {
        let mut w = TraceWriter::new(Vec::new());
        w.write(SimTime(5), 0, &"arrive").expect("vec write");
        w.write(SimTime(7), 1, &3u8).expect("vec write");
        let text = String::from_utf8(w.finish().expect("flush")).expect("utf8");
        assert_eq!(text, "{\"t_ns\":5,\"seq\":0,\"event\":\"arrive\"}\n{\"t_ns\":7,\"seq\":1,\"event\":3}\n");
    }
}
