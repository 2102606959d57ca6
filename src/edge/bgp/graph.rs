//! The AS graph BGP runs on. A router is one AS, or one point of presence
//! of a large AS (a transit network's router in a city, one PoP of the edge
//! network); routers of one AS talk iBGP (full mesh), routers of different
//! ASes talk eBGP over a session whose business relation decides policy.
//! The graph is fixed for a run; what changes (sessions up or down,
//! prepending) is the protocol's state ([`super::PathVector`]).

use crate::engine::SimDuration;

/// What the neighbour across a session is to this router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// It buys transit from us: its routes are preferred and go everywhere.
    Customer,
    /// Settlement-free peering: its routes go to our customers only.
    Peer,
    /// We buy transit from it: its routes go to our customers only.
    Provider,
    /// Another router of our own AS (iBGP).
    Internal,
}

impl Relation {
    /// The relation seen from the other end.
    pub fn reverse(self) -> Relation {
        match self {
            Relation::Customer => Relation::Provider,
            Relation::Provider => Relation::Customer,
            r => r,
        }
    }
}

/// What a router is, beyond its AS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It carries routes (a transit router).
    Transit,
    /// It originates the prefix while announced: a PoP of the edge network
    /// (`origin` is the PoP's index), or the origin AS of a test graph.
    Origin {
        /// The origin's index (a PoP index).
        origin: u32,
    },
    /// A client network: its route decides where its traffic goes.
    Client {
        /// The client network's index in the run.
        net: u32,
    },
}

/// A router (a BGP speaker).
#[derive(Debug, Clone, PartialEq)]
pub struct Router {
    /// Its AS (index into [`AsGraph::as_names`]).
    pub asn: u32,
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// What it is.
    pub role: Role,
}

/// One direction of a session: from a router to its neighbour.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The router that sends over it.
    pub from: u32,
    /// The neighbour.
    pub to: u32,
    /// What `to` is to `from`.
    pub rel: Relation,
    /// One-way propagation delay.
    pub delay: SimDuration,
    /// The local preference `from` gives routes learned over this session
    /// (none: by relation).
    pub local_pref: Option<u16>,
    /// Extra copies of `from`'s AS it puts in front of paths sent here (prepending).
    pub prepend: u8,
}

/// Routers and sessions; sessions are stored as two [`Link`]s, `2k` and
/// `2k + 1`, one per direction.
#[derive(Debug, Clone, Default)]
pub struct AsGraph {
    /// AS names, by AS number.
    pub as_names: Vec<String>,
    /// The routers.
    pub routers: Vec<Router>,
    /// Both directions of every session.
    pub links: Vec<Link>,
    /// Per router: its outgoing links, `out[out_start[r]..out_start[r + 1]]`.
    out_start: Vec<u32>,
    out: Vec<u32>,
}

/// A link index.
pub type LinkId = u32;

impl AsGraph {
    /// Adds an AS; returns its number.
    pub fn add_as(&mut self, name: impl Into<String>) -> u32 {
        self.as_names.push(name.into());
        (self.as_names.len() - 1) as u32
    }

    /// Adds a router of AS `asn` at a place; returns its index.
    pub fn add_router(&mut self, asn: u32, lat_deg: f64, lon_deg: f64, role: Role) -> u32 {
        self.routers.push(Router { asn, lat_deg, lon_deg, role });
        self.out_start.clear();
        (self.routers.len() - 1) as u32
    }

    /// Adds a session between routers `a` and `b`, where `b` is `rel` to
    /// `a`, with a one-way `delay`; returns the link from `a` to `b` (the
    /// other direction is the link `^ 1`).
    pub fn connect(&mut self, a: u32, b: u32, rel: Relation, delay: SimDuration) -> LinkId {
        let link = |from, to, rel| Link { from, to, rel, delay, local_pref: None, prepend: 0 };
        self.links.push(link(a, b, rel));
        self.links.push(link(b, a, rel.reverse()));
        self.out_start.clear();
        (self.links.len() - 2) as LinkId
    }

    /// Builds the per-router link index; call after the last `connect`.
    pub fn finish(&mut self) {
        let n = self.routers.len();
        let mut count = vec![0u32; n + 1];
        for l in &self.links {
            count[l.from as usize + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut next = count.clone();
        self.out = vec![0; self.links.len()];
        for (i, l) in self.links.iter().enumerate() {
            let slot = &mut next[l.from as usize];
            self.out[*slot as usize] = i as u32;
            *slot += 1;
        }
        self.out_start = count;
    }

    /// The links out of router `r`, in the order they were added.
    ///
    /// # Panics
    ///
    /// If [`AsGraph::finish`] was not called after the last change: a bug.
    pub fn links_of(&self, r: u32) -> &[LinkId] {
        assert!(!self.out_start.is_empty() || self.routers.is_empty(), "AsGraph::finish not called");
        let r = r as usize;
        &self.out[self.out_start[r] as usize..self.out_start[r + 1] as usize]
    }

    /// The same session seen from the other end.
    pub fn reverse(l: LinkId) -> LinkId {
        l ^ 1
    }

    /// Every session (as its even link) between a router of AS `a` and a
    /// router of AS `b`.
    pub fn sessions_between(&self, a: u32, b: u32) -> Vec<LinkId> {
        let asn = |r: u32| self.routers[r as usize].asn;
        (0..self.links.len() as u32)
            .step_by(2)
            .filter(|&l| {
                let k = &self.links[l as usize];
                (asn(k.from), asn(k.to)) == (a, b) || (asn(k.from), asn(k.to)) == (b, a)
            })
            .collect()
    }

    /// The AS number called `name`.
    pub fn as_named(&self, name: &str) -> Option<u32> {
        self.as_names.iter().position(|n| n == name).map(|i| i as u32)
    }

    /// The router that originates for origin `origin` (a PoP).
    pub fn origin_router(&self, origin: u32) -> Option<u32> {
        self.routers.iter().position(|r| r.role == Role::Origin { origin }).map(|i| i as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_two_links_with_reversed_relations() {
        let mut g = AsGraph::default();
        let (a, b) = (g.add_as("A"), g.add_as("B"));
        let ra = g.add_router(a, 0.0, 0.0, Role::Transit);
        let rb = g.add_router(b, 0.0, 1.0, Role::Origin { origin: 0 });
        let l = g.connect(ra, rb, Relation::Customer, SimDuration::from_millis(1));
        g.finish();
        assert_eq!(g.links[AsGraph::reverse(l) as usize].rel, Relation::Provider);
        assert_eq!(g.links_of(ra), &[l]);
        assert_eq!(g.links_of(rb), &[l + 1]);
        assert_eq!(g.sessions_between(b, a), vec![l]);
        assert_eq!(g.origin_router(0), Some(rb));
        assert_eq!(g.as_named("B"), Some(b));
    }
}
