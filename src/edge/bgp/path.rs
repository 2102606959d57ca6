//! AS paths, shared: a path is a node (an AS number, the origin it leads
//! to, its length) whose tail is another path, so prepending an AS costs one
//! node and every router's copy of a route is a 4-byte [`PathRef`].

/// A path in the [`Paths`] arena; [`NO_PATH`] is no route at all.
pub type PathRef = u32;

/// No route.
pub const NO_PATH: PathRef = u32::MAX;

/// One node of a path: the first AS and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Node {
    asn: u32,
    rest: PathRef,
    len: u16,
    origin: u32,
}

/// Every path handed out in one run. Nodes are never freed; a run of many
/// route changes grows it by one node per distinct path a router sends.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    nodes: Vec<Node>,
}

impl Paths {
    /// The path of one AS `asn` originating the prefix at origin `origin`
    /// (a PoP index for the edge network), `copies` times (prepending).
    pub fn origin(&mut self, asn: u32, origin: u32, copies: u8) -> PathRef {
        let mut p = NO_PATH;
        for _ in 0..copies.max(1) {
            p = self.push(asn, origin, p);
        }
        p
    }

    /// `rest` with `asn` in front `copies` times (at least once).
    pub fn prepend(&mut self, asn: u32, copies: u8, rest: PathRef) -> PathRef {
        let origin = self.origin_of(rest);
        let mut p = rest;
        for _ in 0..copies.max(1) {
            p = self.push(asn, origin, p);
        }
        p
    }

    fn push(&mut self, asn: u32, origin: u32, rest: PathRef) -> PathRef {
        let len = if rest == NO_PATH { 1 } else { self.nodes[rest as usize].len.saturating_add(1) };
        self.nodes.push(Node { asn, rest, len, origin });
        (self.nodes.len() - 1) as PathRef
    }

    /// ASes on the path, prepends counted (0 for [`NO_PATH`]).
    pub fn len(&self, p: PathRef) -> u16 {
        if p == NO_PATH {
            0
        } else {
            self.nodes[p as usize].len
        }
    }

    /// Nodes in the arena.
    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }

    /// True if the arena holds no path.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Where the path leads: its origin ([`u32::MAX`] for [`NO_PATH`]).
    pub fn origin_of(&self, p: PathRef) -> u32 {
        if p == NO_PATH {
            u32::MAX
        } else {
            self.nodes[p as usize].origin
        }
    }

    /// The first AS of the path (the neighbour that sent it).
    pub fn first_as(&self, p: PathRef) -> Option<u32> {
        (p != NO_PATH).then(|| self.nodes[p as usize].asn)
    }

    /// True if `asn` is on the path (a loop if it were accepted).
    pub fn contains(&self, mut p: PathRef, asn: u32) -> bool {
        while p != NO_PATH {
            let n = self.nodes[p as usize];
            if n.asn == asn {
                return true;
            }
            p = n.rest;
        }
        false
    }

    /// True if `a` and `b` are the same AS sequence to the same origin.
    pub fn same(&self, mut a: PathRef, mut b: PathRef) -> bool {
        loop {
            if a == b {
                return true;
            }
            if a == NO_PATH || b == NO_PATH {
                return false;
            }
            let (x, y) = (self.nodes[a as usize], self.nodes[b as usize]);
            if x.asn != y.asn || x.len != y.len || x.origin != y.origin {
                return false;
            }
            a = x.rest;
            b = y.rest;
        }
    }

    /// True if `sent` is `rest` with `asn` in front exactly `copies` times
    /// (at least once).
    pub fn same_prepended(&self, sent: PathRef, asn: u32, copies: u8, rest: PathRef) -> bool {
        let mut p = sent;
        for _ in 0..copies.max(1) {
            if p == NO_PATH || self.nodes[p as usize].asn != asn {
                return false;
            }
            p = self.nodes[p as usize].rest;
        }
        self.same(p, rest)
    }

    /// The AS numbers of a path, first to origin (for reports and tests).
    pub fn ases(&self, mut p: PathRef) -> Vec<u32> {
        let mut out = Vec::new();
        while p != NO_PATH {
            out.push(self.nodes[p as usize].asn);
            p = self.nodes[p as usize].rest;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepending_shares_the_tail_and_compares_by_content() {
        let mut paths = Paths::default();
        let o = paths.origin(7, 3, 2);
        assert_eq!(paths.ases(o), vec![7, 7]);
        let a = paths.prepend(5, 1, o);
        let o2 = paths.origin(7, 3, 2);
        let b = paths.prepend(5, 1, o2);
        assert_ne!(a, b);
        assert!(paths.same(a, b), "same ASes, same origin");
        assert_eq!((paths.len(a), paths.origin_of(a), paths.first_as(a)), (3, 3, Some(5)));
        assert!(paths.contains(a, 7) && !paths.contains(a, 6));
        assert!(paths.same_prepended(a, 5, 1, o));
        assert!(!paths.same_prepended(a, 5, 2, o));
        let o4 = paths.origin(7, 4, 2);
        let other_origin = paths.prepend(5, 1, o4);
        assert!(!paths.same(a, other_origin));
        assert!(!paths.same(a, NO_PATH) && paths.same(NO_PATH, NO_PATH));
    }
}
