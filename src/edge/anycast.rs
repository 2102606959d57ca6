//! Anycast routing: client networks, their BGP preference over PoPs, and
//! what each network currently knows of withdrawn routes.
//!
//! Every client site is split into networks. A network ranks PoPs nearest
//! first (some rank their second-nearest first, as real catchments do) and
//! sends to the best PoP whose route it still has. A withdrawal or an
//! announcement reaches each network at its own time, drawn from a
//! [`Convergence`] model.

use crate::engine::dist::DurationDist;
use crate::engine::rng::Stream;
use crate::engine::SimDuration;
use rand::Rng;

/// How long a client network takes to learn a route change. Routing knows
/// nothing else of the model, so another (path-vector over an AS graph) can
/// be added without touching it.
pub trait Convergence: std::fmt::Debug + Send + Sync {
    /// The delay, from the start of a withdrawal or announcement, until
    /// network `net` has learned it.
    fn delay(&self, net: usize, rng: &mut Stream) -> SimDuration;
}

/// Every network draws its delay from one distribution, clamped to
/// `[first, last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedConvergence {
    /// The distribution of delays.
    pub dist: DurationDist,
    /// Earliest delay.
    pub first: SimDuration,
    /// Latest delay.
    pub last: SimDuration,
}

impl Convergence for FixedConvergence {
    fn delay(&self, _net: usize, rng: &mut Stream) -> SimDuration {
        self.dist.sample(rng).clamp(self.first, self.last)
    }
}

/// A client network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    /// The client site it belongs to.
    pub site: u32,
    /// It prefers its second-nearest PoP.
    pub off_nearest: bool,
    /// It flips between its two best PoPs, request by request.
    pub unstable: bool,
}

/// No PoP reachable.
pub const NO_POP: u32 = u32::MAX;

/// The routing state of every client network.
#[derive(Debug, Clone)]
pub struct Routing {
    pops: usize,
    /// Per site, every PoP index nearest first.
    ranking: Vec<Vec<u32>>,
    /// The networks, site by site.
    pub nets: Vec<Network>,
    /// First network of each site, and one past the last.
    site_nets: Vec<(u32, u32)>,
    /// Per (network, PoP): the last route epoch the network has learned.
    seen: Vec<u16>,
    /// Per PoP: the route's epoch; odd while withdrawn.
    epoch: Vec<u16>,
    /// Per network: its best and second-best reachable PoP.
    best: Vec<[u32; 2]>,
}

impl Routing {
    /// Routing for sites whose PoP rankings (nearest first) are given;
    /// `networks_per_site` networks each; off-nearest and unstable networks
    /// drawn with the given shares from `rng`.
    pub fn new(
        ranking: Vec<Vec<u32>>,
        pops: usize,
        networks_per_site: u32,
        off_nearest: f64,
        unstable: f64,
        rng: &mut Stream,
    ) -> Self {
        let mut nets = Vec::new();
        let mut site_nets = Vec::new();
        for site in 0..ranking.len() {
            let first = nets.len() as u32;
            for _ in 0..networks_per_site {
                nets.push(Network {
                    site: site as u32,
                    off_nearest: pops > 1 && rng.random::<f64>() < off_nearest,
                    unstable: pops > 1 && rng.random::<f64>() < unstable,
                });
            }
            site_nets.push((first, nets.len() as u32));
        }
        let mut r = Routing {
            pops,
            ranking,
            seen: vec![0; nets.len() * pops],
            best: vec![[NO_POP; 2]; nets.len()],
            nets,
            site_nets,
            epoch: vec![0; pops],
        };
        for n in 0..r.nets.len() {
            r.refresh(n);
        }
        r
    }

    /// Networks in all.
    pub fn networks(&self) -> usize {
        self.nets.len()
    }

    /// The networks of `site`, as a range of indices.
    pub fn site_networks(&self, site: usize) -> std::ops::Range<usize> {
        let (a, b) = self.site_nets[site];
        a as usize..b as usize
    }

    /// The PoP network `net` sends to now (or [`NO_POP`]).
    #[inline]
    pub fn best(&self, net: usize) -> u32 {
        self.best[net][0]
    }

    /// Every PoP a request of `net` may go to now: its best, and for an
    /// unstable network also its second-best ([`NO_POP`] where none).
    #[inline]
    pub fn targets(&self, net: usize) -> [u32; 2] {
        let [a, b] = self.best[net];
        if self.nets[net].unstable {
            [a, b]
        } else {
            [a, NO_POP]
        }
    }

    /// Where one request of `net` goes: its best PoP, or for an unstable
    /// network either of its two best, at random.
    #[inline]
    pub fn route(&self, net: usize, rng: &mut Stream) -> u32 {
        let [a, b] = self.best[net];
        if self.nets[net].unstable && b != NO_POP && rng.random::<bool>() {
            b
        } else {
            a
        }
    }

    fn withdrawn_for(&self, net: usize, pop: u32) -> bool {
        self.seen[net * self.pops + pop as usize] % 2 == 1
    }

    fn refresh(&mut self, net: usize) {
        let n = self.nets[net];
        let rank = &self.ranking[n.site as usize];
        let mut order = (0..rank.len()).map(|i| match (n.off_nearest, i) {
            (true, 0) => rank[1],
            (true, 1) => rank[0],
            _ => rank[i],
        });
        let mut found = [NO_POP; 2];
        let mut k = 0;
        for p in order.by_ref() {
            if !self.withdrawn_for(net, p) {
                found[k] = p;
                k += 1;
                if k == 2 {
                    break;
                }
            }
        }
        self.best[net] = found;
    }

    /// Sets the PoP network `net` sends to, as a routing protocol decided it
    /// (path-vector convergence: no second-best, no drawn learning); returns
    /// true if it changed.
    pub fn set_route(&mut self, net: usize, pop: u32) -> bool {
        let before = self.best[net][0];
        self.best[net] = [pop, NO_POP];
        before != pop
    }

    /// Starts withdrawing `pop`'s route; returns the new epoch to spread.
    pub fn withdraw(&mut self, pop: usize) -> u16 {
        if self.epoch[pop] % 2 == 0 {
            self.epoch[pop] += 1;
        }
        self.epoch[pop]
    }

    /// Starts re-announcing `pop`'s route; returns the new epoch to spread.
    pub fn announce(&mut self, pop: usize) -> u16 {
        if self.epoch[pop] % 2 == 1 {
            self.epoch[pop] += 1;
        }
        self.epoch[pop]
    }

    /// True while `pop`'s route is withdrawn (at its origin).
    pub fn is_withdrawn(&self, pop: usize) -> bool {
        self.epoch[pop] % 2 == 1
    }

    /// Network `net` learns epoch `epoch` of `pop`'s route. Stale news (an
    /// older epoch arriving late) is ignored. Returns true if the network's
    /// best PoP changed.
    pub fn learn(&mut self, net: usize, pop: usize, epoch: u16) -> bool {
        let slot = net * self.pops + pop;
        if epoch <= self.seen[slot] {
            return false;
        }
        self.seen[slot] = epoch;
        let before = self.best[net][0];
        self.refresh(net);
        before != self.best[net][0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn two_sites() -> Routing {
        // Site 0 ranks PoPs 0,1,2; site 1 ranks 2,1,0.
        let mut rng = stream(1, "t");
        Routing::new(vec![vec![0, 1, 2], vec![2, 1, 0]], 3, 2, 0.0, 0.0, &mut rng)
    }

    #[test]
    fn networks_send_to_their_nearest_pop_until_they_learn_a_withdrawal() {
        let mut r = two_sites();
        assert_eq!(r.networks(), 4);
        assert_eq!((r.best(0), r.best(2)), (0, 2));
        let e = r.withdraw(0);
        assert!(r.is_withdrawn(0));
        assert_eq!(r.best(0), 0, "not learned yet");
        assert!(r.learn(0, 0, e));
        assert_eq!(r.best(0), 1, "next best");
        assert_eq!(r.best(1), 0, "the other network of the site has not learned");
        assert!(!r.learn(2, 0, e), "site 1 did not use PoP 0");
    }

    #[test]
    fn stale_news_is_ignored_and_announcement_moves_traffic_back() {
        let mut r = two_sites();
        let w = r.withdraw(0);
        let a = r.announce(0);
        // The announcement overtakes the withdrawal: the network never moves.
        assert!(!r.learn(0, 0, a));
        assert!(!r.learn(0, 0, w), "the older withdrawal arriving late is ignored");
        assert_eq!(r.best(0), 0);
        // A network that learned the withdrawal moves back on the announcement.
        assert!(r.learn(1, 0, w));
        assert_eq!(r.best(1), 1);
        assert!(r.learn(1, 0, a));
        assert_eq!(r.best(1), 0);
    }

    #[test]
    fn an_unstable_network_may_send_to_its_two_best_pops() {
        let mut rng = stream(1, "t");
        let mut r = Routing::new(vec![vec![0, 1, 2]], 3, 2, 0.0, 1.0, &mut rng);
        assert_eq!(r.targets(0), [0, 1]);
        let e = r.withdraw(1);
        r.learn(0, 1, e);
        assert_eq!(r.targets(0), [0, 2], "the second-best moved on though the best did not");
        let stable = Routing::new(vec![vec![0, 1, 2]], 3, 1, 0.0, 0.0, &mut rng);
        assert_eq!(stable.targets(0), [0, NO_POP]);
    }

    #[test]
    fn off_nearest_networks_prefer_their_second_pop() {
        let mut rng = stream(1, "t");
        let r = Routing::new(vec![vec![0, 1, 2]], 3, 100, 1.0, 0.0, &mut rng);
        assert!((0..100).all(|n| r.best(n) == 1));
    }
}
