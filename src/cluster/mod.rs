//! Graph clustering for `seam propose`: Leiden on an undirected weighted graph, with
//! a target number of clusters and constraints (pins, frozen contexts, must-link,
//! cannot-link).
//!
//! Pure and deterministic: the same graph, options and seed give the same partition on
//! every platform (own PRNG, no hash-order dependence). Knows nothing of seam's code
//! graph; the propose stage builds a [`WeightedGraph`] from it.
//!
//! What [`leiden`] does, in order:
//! 1. **Constraints.** Nodes joined by must-link pairs, and nodes sharing a fixed label,
//!    are contracted into super-nodes (union-find). Conflicts are resolved as
//!    [`constraints::contract`] documents and can be listed beforehand with
//!    [`check_constraints`].
//! 2. **Leiden** ([`leiden`](self::leiden) module) at `opts.resolution`, up to
//!    `opts.max_iterations` passes, each pass starting from the previous partition.
//!    Moves that would put two different fixed labels, or a cannot-link pair, in one
//!    cluster are never made.
//! 3. **Target number of clusters** (`opts.target_clusters = Some(k)`): if step 2 did
//!    not give k clusters, γ is searched: doubled (or halved) from `opts.resolution` until
//!    the count brackets k (at most 20 times), then bisected geometrically (at most 20
//!    runs) until a run gives exactly k; the run closest to k is kept (the earliest on
//!    ties). If still off, clusters are **merged** — the allowed pair (no two labels, no
//!    cannot-link pair across) with the largest inter-cluster weight, ties to the smaller
//!    ids, or when no allowed pair is linked the two allowed clusters with the smallest
//!    total strength — until k remain or no pair is allowed; or **split** — the cluster
//!    with the most original nodes that has ≥ 2 super-nodes is re-clustered alone with
//!    Leiden at doubling γ until it falls apart, and its parts merged back (same rule)
//!    into two — until k exist or nothing can be split. k larger than the number of
//!    super-nodes, or smaller than the number of distinct fixed labels, cannot be met:
//!    the result is then as close as the constraints allow.
//! 4. **Numbering.** Clusters holding fixed nodes come first, ordered by label; the
//!    others follow in order of their smallest node index. So with labels 0..L the
//!    cluster of label x has id x.
//! 5. **Verification.** Cannot-link pairs are checked on the result; a violated pair
//!    (never produced by the steps above) has its second node's super-node moved to a new
//!    cluster.

mod constraints;
pub(crate) mod leiden;
mod rng;

pub use constraints::ConstraintConflict;
pub use leiden::THETA;
pub use rng::SplitMix64;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use leiden::{Net, renumber};

/// An undirected weighted graph on nodes `0..n`.
///
/// Parallel edges add up; a self-loop of weight w adds 2w to its node's strength (the
/// usual convention, so that Σ strength = 2 × total weight). Edges with a weight that is
/// not finite and positive are ignored: modularity is defined for positive weights.
#[derive(Debug, Clone, Default)]
pub struct WeightedGraph {
    adj: Vec<Vec<(usize, f64)>>,
    strength: Vec<f64>,
    total: f64,
}

impl WeightedGraph {
    pub fn new(n: usize) -> Self {
        WeightedGraph {
            adj: vec![Vec::new(); n],
            strength: vec![0.0; n],
            total: 0.0,
        }
    }

    /// The graph of `edges` on nodes `0..n`, as if each were added in turn with
    /// [`add_edge`](Self::add_edge) (same adjacency order), in time linear in the
    /// edges: `add_edge` looks for an existing edge along the node's list, which costs
    /// the square of the degree for a hub (a model used by thousands of modules).
    ///
    /// # Panics
    /// If an edge names a node not below `n`: a caller's bug.
    pub fn from_edges(n: usize, edges: impl IntoIterator<Item = (usize, usize, f64)>) -> Self {
        let mut g = WeightedGraph::new(n);
        // (from, to) → position of `to` in `adj[from]`.
        let mut slots: HashMap<(usize, usize), usize> = HashMap::new();
        for (a, b, w) in edges {
            g.insert(a, b, w, |list, from, to| match slots.entry((from, to)) {
                Entry::Occupied(at) => Some(*at.get()),
                Entry::Vacant(at) => {
                    at.insert(list.len());
                    None
                }
            });
        }
        g
    }

    /// Adds weight `w` between `a` and `b` (to the existing edge if there is one).
    ///
    /// # Panics
    /// If `a` or `b` is not below [`node_count`](Self::node_count): a caller's bug.
    pub fn add_edge(&mut self, a: usize, b: usize, w: f64) {
        // From the end: edges are usually added in runs per node.
        self.insert(a, b, w, |list, _, to| list.iter().rposition(|e| e.0 == to));
    }

    /// Adds `w` between `a` and `b`; `slot(adj[from], from, to)` is the position of
    /// `to` in `adj[from]` if the edge exists (else it is pushed at the end).
    fn insert(
        &mut self,
        a: usize,
        b: usize,
        w: f64,
        mut slot: impl FnMut(&[(usize, f64)], usize, usize) -> Option<usize>,
    ) {
        let n = self.adj.len();
        assert!(
            a < n && b < n,
            "edge ({a}, {b}) outside a graph of {n} nodes"
        );
        if !(w.is_finite() && w > 0.0) {
            return;
        }
        let mut put = |adj: &mut Vec<Vec<(usize, f64)>>, from: usize, to: usize| match slot(
            &adj[from], from, to,
        ) {
            Some(i) => adj[from][i].1 += w,
            None => adj[from].push((to, w)),
        };
        put(&mut self.adj, a, b);
        if a != b {
            put(&mut self.adj, b, a);
        }
        self.strength[a] += w;
        self.strength[b] += w;
        self.total += w;
    }

    pub fn node_count(&self) -> usize {
        self.adj.len()
    }

    /// Neighbours of `i` with the summed weight of the edges to each (a self-loop
    /// appears once, with its weight).
    pub fn neighbors(&self, i: usize) -> &[(usize, f64)] {
        &self.adj[i]
    }

    /// Σ of the weights of the edges at `i`, self-loops counted twice.
    pub fn strength(&self, i: usize) -> f64 {
        self.strength[i]
    }

    /// Σ of the weights of all edges, each counted once (m).
    pub fn total_weight(&self) -> f64 {
        self.total
    }
}

/// Options of [`leiden`].
#[derive(Debug, Clone, PartialEq)]
pub struct LeidenOptions {
    /// γ of modularity: higher gives more, smaller clusters. 1.0 is Newman's modularity.
    pub resolution: f64,
    /// Seed of the PRNG (node order, refinement choices).
    pub seed: u64,
    /// Reach this many clusters (see the module documentation for how).
    pub target_clusters: Option<usize>,
    /// Leiden passes, each starting from the previous partition; stops early when a pass
    /// changes nothing.
    pub max_iterations: usize,
}

impl Default for LeidenOptions {
    fn default() -> Self {
        LeidenOptions {
            resolution: 1.0,
            seed: 42,
            target_clusters: None,
            max_iterations: 10,
        }
    }
}

/// Constraints on a clustering. Empty by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Per node: the label of the cluster it must end in (pins, frozen contexts). Nodes
    /// with the same label end in one cluster; different labels never share one. Empty =
    /// no fixed nodes; otherwise one entry per node.
    pub fixed: Vec<Option<usize>>,
    /// Pairs that must end in the same cluster.
    pub must_link: Vec<(usize, usize)>,
    /// Pairs that must end in different clusters.
    pub cannot_link: Vec<(usize, usize)>,
}

/// Lists the constraints that cannot be honoured together on a graph of `n` nodes (see
/// the module documentation for how [`leiden`] resolves them).
pub fn check_constraints(n: usize, c: &Constraints) -> Vec<ConstraintConflict> {
    constraints::check(n, c)
}

/// Clusters `g`: a dense cluster id `0..k` per node, deterministic for `opts.seed`.
///
/// Numbering: clusters holding fixed nodes come first, in ascending label order, then
/// the others by their smallest node index — with fixed labels 0..L, the cluster of label
/// x has id x. The steps are in the module documentation.
pub fn leiden(g: &WeightedGraph, opts: &LeidenOptions, c: &Constraints) -> Vec<usize> {
    let contracted = constraints::contract(g, c);
    let net = &contracted.net;
    let gamma = if opts.resolution.is_finite() && opts.resolution > 0.0 {
        opts.resolution
    } else {
        1.0
    };
    let run_at = |gamma: f64| -> Vec<usize> {
        let mut rng = SplitMix64::new(opts.seed);
        leiden::run(
            net,
            (0..net.len()).collect(),
            gamma,
            opts.max_iterations,
            &mut rng,
        )
    };
    let mut part = run_at(gamma);
    if let Some(k) = opts.target_clusters {
        let k = k.max(1);
        part = search_resolution(&run_at, part, gamma, k);
        let mut rng = SplitMix64::new(opts.seed ^ 0x5EA4);
        adjust_count(net, &mut part, k, gamma, opts.max_iterations, &mut rng);
    }
    let mut out: Vec<usize> = contracted.super_of.iter().map(|&s| part[s]).collect();
    repair_cannot_link(&mut out, &contracted.super_of, c);
    number_clusters(&mut out, &c.fixed);
    out
}

fn count(part: &[usize]) -> usize {
    part.iter().copied().max().map_or(0, |m| m + 1)
}

/// Step 3's γ search: bracket k, then bisect; returns the partition closest to k.
fn search_resolution(
    run_at: &dyn Fn(f64) -> Vec<usize>,
    first: Vec<usize>,
    gamma: f64,
    k: usize,
) -> Vec<usize> {
    let mut best = first;
    let c0 = count(&best);
    if c0 == k {
        return best;
    }
    let better = |c: usize, best: &Vec<usize>| c.abs_diff(k) < count(best).abs_diff(k);
    // (lo gives fewer than k, hi gives more than k)
    let (mut lo, mut hi) = (gamma, gamma);
    let mut bracketed = false;
    for _ in 0..20 {
        let g = if c0 < k { hi * 2.0 } else { lo / 2.0 };
        let p = run_at(g);
        let c = count(&p);
        if better(c, &best) {
            best = p;
        }
        if c == k {
            return best;
        }
        if c0 < k {
            if c > k {
                hi = g;
                bracketed = true;
                break;
            }
            lo = g;
            hi = g;
        } else {
            if c < k {
                lo = g;
                bracketed = true;
                break;
            }
            lo = g;
            hi = g;
        }
    }
    if !bracketed {
        return best;
    }
    for _ in 0..20 {
        let mid = (lo * hi).sqrt();
        let p = run_at(mid);
        let c = count(&p);
        if better(c, &best) {
            best = p;
        }
        if c == k {
            break;
        }
        if c < k {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo < 1.0 + 1e-9 {
            break;
        }
    }
    best
}

/// Step 3's merges and splits until `part` has k clusters or none is possible.
fn adjust_count(
    net: &Net,
    part: &mut [usize],
    k: usize,
    gamma: f64,
    passes: usize,
    rng: &mut SplitMix64,
) {
    merge_down(net, part, k);
    // Splits: the cluster with the most members (super-nodes weigh their size in k).
    let mut guard = net.len() + 1;
    while count(part) < k && guard > 0 {
        guard -= 1;
        let c = count(part);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); c];
        for (v, &p) in part.iter().enumerate() {
            members[p].push(v);
        }
        let Some(target) = (0..c)
            .filter(|&i| members[i].len() >= 2)
            .max_by(|&a, &b| members[a].len().cmp(&members[b].len()).then(b.cmp(&a)))
        else {
            return;
        };
        let nodes = &members[target];
        let sub = net.induced(nodes);
        let mut sub_part: Vec<usize> = (0..sub.len()).collect();
        let mut g = gamma;
        for _ in 0..20 {
            let p = leiden::run(&sub, (0..sub.len()).collect(), g, passes, rng);
            if count(&p) >= 2 {
                sub_part = p;
                break;
            }
            g *= 2.0;
        }
        merge_down(&sub, &mut sub_part, 2);
        if count(&sub_part) < 2 {
            return;
        }
        let fresh = c;
        for (i, &v) in nodes.iter().enumerate() {
            if sub_part[i] == 1 {
                part[v] = fresh;
            }
        }
        renumber(part);
    }
}

/// Merges clusters of `part` (over `net`'s nodes) until at most k remain or no pair is
/// allowed: largest inter-cluster weight first, else the two smallest-strength clusters.
fn merge_down(net: &Net, part: &mut [usize], k: usize) {
    renumber(part);
    while count(part) > k {
        let c = count(part);
        let mut label: Vec<Option<usize>> = vec![None; c];
        let mut strength = vec![0.0; c];
        let mut between: std::collections::BTreeMap<(usize, usize), f64> = Default::default();
        let mut forbidden: std::collections::BTreeSet<(usize, usize)> = Default::default();
        for v in 0..net.len() {
            let pv = part[v];
            strength[pv] += net.k[v];
            if net.label[v].is_some() {
                label[pv] = net.label[v];
            }
            for &(u, w) in &net.adj[v] {
                let pu = part[u];
                if pv < pu {
                    *between.entry((pv, pu)).or_default() += w;
                }
            }
            for &p in &net.cannot[v] {
                let pu = part[p];
                forbidden.insert((pv.min(pu), pv.max(pu)));
            }
        }
        let ok = |a: usize, b: usize| {
            !forbidden.contains(&(a, b))
                && !matches!((label[a], label[b]), (Some(x), Some(y)) if x != y)
        };
        let mut pick: Option<((usize, usize), f64)> = None;
        for (&(a, b), &w) in &between {
            if ok(a, b) && pick.is_none_or(|(_, bw)| w > bw) {
                pick = Some(((a, b), w));
            }
        }
        let pair = match pick {
            Some((pair, _)) => pair,
            None => {
                let mut order: Vec<usize> = (0..c).collect();
                order.sort_by(|&a, &b| strength[a].total_cmp(&strength[b]).then(a.cmp(&b)));
                let mut found = None;
                'outer: for (i, &a) in order.iter().enumerate() {
                    for &b in &order[i + 1..] {
                        if ok(a.min(b), a.max(b)) {
                            found = Some((a.min(b), a.max(b)));
                            break 'outer;
                        }
                    }
                }
                match found {
                    Some(p) => p,
                    None => return,
                }
            }
        };
        for p in part.iter_mut() {
            if *p == pair.1 {
                *p = pair.0;
            }
        }
        renumber(part);
    }
}

/// Step 5: a violated cannot-link pair sends its second node's super-node to a new cluster.
fn repair_cannot_link(out: &mut [usize], super_of: &[usize], c: &Constraints) {
    let n = out.len();
    for &(a, b) in &c.cannot_link {
        if a < n && b < n && super_of[a] != super_of[b] && out[a] == out[b] {
            debug_assert!(false, "cannot-link ({a}, {b}) violated before repair");
            let fresh = out.iter().copied().max().unwrap_or(0) + 1;
            let s = super_of[b];
            for v in 0..n {
                if super_of[v] == s {
                    out[v] = fresh;
                }
            }
        }
    }
}

/// Step 4: labelled clusters first by label, then the rest by smallest node index.
fn number_clusters(out: &mut [usize], fixed: &[Option<usize>]) {
    let n = out.len();
    let k = out.iter().copied().max().map_or(0, |m| m + 1);
    let mut key: Vec<(u8, usize)> = vec![(2, usize::MAX); k];
    for (v, &c) in out.iter().enumerate() {
        let candidate = match fixed.get(v).copied().flatten() {
            Some(l) if fixed.len() == n => (0, l),
            _ => (1, v),
        };
        if candidate < key[c] {
            key[c] = candidate;
        }
    }
    let mut order: Vec<usize> = (0..k).filter(|&c| key[c].0 < 2).collect();
    order.sort_by_key(|&c| key[c]);
    let mut new_id = vec![usize::MAX; k];
    for (i, &c) in order.iter().enumerate() {
        new_id[c] = i;
    }
    for c in out.iter_mut() {
        *c = new_id[*c];
    }
}

#[cfg(test)]
mod tests;
