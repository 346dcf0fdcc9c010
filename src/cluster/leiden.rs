//! The Leiden algorithm for weighted modularity with a resolution parameter.
//!
//! Traag, Waltman & van Eck, "From Louvain to Leiden: guaranteeing well-connected
//! communities", Sci Rep 9:5233 (2019), Algorithm A.2 (supplementary information),
//! with the quality function H = Q_γ (Newman's weighted modularity with resolution γ):
//!
//! ```text
//! Q_γ = Σ_c [ e_c / m − γ (K_c / 2m)² ]
//! ```
//!
//! where `e_c` is the weight of edges inside community c (each counted once, self-loops
//! included), `K_c` the sum of the strengths of its nodes and `m` the total edge weight.
//! Moving node v (strength k_v, weight w_vc to community c) from a to c changes Q by
//!
//! ```text
//! ΔQ = (w_vc − w_va) / m − γ k_v (K_c − (K_a − k_v)) / 2m²
//! ```
//!
//! One *level* runs: fast local moving (a queue of nodes, each moved to its best
//! neighbouring community or an empty one, its neighbours outside the new community
//! re-queued); refinement (inside each community S, starting from singletons, only
//! *well-connected* nodes — E(v, S−v) ≥ γ k_v (K_S − k_v) / 2m — that are still alone
//! are merged, into a well-connected sub-community T ⊆ S chosen at random with
//! probability ∝ exp(ΔQ / θ) among those with ΔQ ≥ 0); aggregation of the graph by the
//! *refined* partition, whose initial partition is the *non-refined* one. Levels repeat
//! until local moving leaves every aggregate node in its own community.
//!
//! θ = [`THETA`] is applied to the normalised ΔQ above (leidenalg's default randomness is
//! 0.01 too). When refinement merges nothing (every refined community is a single node,
//! which can happen when no node passes the well-connectedness test), aggregation falls
//! back to the connected parts of each community, which keeps every community connected;
//! if that merges nothing either the level is final.
//!
//! Constraints act on local moving only: a node with a fixed label never joins a community
//! holding a different label, and a node never joins a community holding one of its
//! cannot-link partners. Refinement only splits communities, so it cannot break them.

use super::rng::SplitMix64;

/// Randomness of the refinement phase (θ in the paper), on the normalised ΔQ scale.
pub const THETA: f64 = 0.01;

/// A safety cap on aggregation levels; every level either merges nodes or stops, so the
/// cap is never reached on graphs of fewer than 2^64 nodes.
const MAX_LEVELS: usize = 64;

/// The graph one level works on: adjacency without self-loops, self-loop weight apart.
#[derive(Debug, Clone)]
pub(crate) struct Net {
    pub adj: Vec<Vec<(usize, f64)>>,
    /// Weight of each node's self-loop, counted once.
    pub self_w: Vec<f64>,
    /// Strength: Σ adjacent weights + 2 × self-loop.
    pub k: Vec<f64>,
    /// Total edge weight m (self-loops once, other edges once).
    pub m: f64,
    /// Fixed label of the node, if any (at most one per aggregate node).
    pub label: Vec<Option<usize>>,
    /// Cannot-link partners of each node.
    pub cannot: Vec<Vec<usize>>,
}

impl Net {
    pub fn len(&self) -> usize {
        self.adj.len()
    }

    /// The sub-network induced by `nodes` (in that order), with constraints among them.
    pub fn induced(&self, nodes: &[usize]) -> Net {
        let mut local = vec![usize::MAX; self.len()];
        for (i, &v) in nodes.iter().enumerate() {
            local[v] = i;
        }
        let mut adj = vec![Vec::new(); nodes.len()];
        let mut self_w = vec![0.0; nodes.len()];
        let mut k = vec![0.0; nodes.len()];
        let mut m = 0.0;
        for (i, &v) in nodes.iter().enumerate() {
            self_w[i] = self.self_w[v];
            k[i] = 2.0 * self.self_w[v];
            m += self.self_w[v];
            for &(u, w) in &self.adj[v] {
                if local[u] != usize::MAX {
                    adj[i].push((local[u], w));
                    k[i] += w;
                    if local[u] > i {
                        m += w;
                    }
                }
            }
        }
        let label = nodes.iter().map(|&v| self.label[v]).collect();
        let cannot = nodes
            .iter()
            .map(|&v| {
                self.cannot[v]
                    .iter()
                    .filter(|&&p| local[p] != usize::MAX)
                    .map(|&p| local[p])
                    .collect()
            })
            .collect();
        Net {
            adj,
            self_w,
            k,
            m,
            label,
            cannot,
        }
    }
}

/// Renumbers a partition to 0..k in order of first appearance; returns k.
pub(crate) fn renumber(part: &mut [usize]) -> usize {
    let mut map = std::collections::HashMap::new();
    for c in part.iter_mut() {
        let next = map.len();
        *c = *map.entry(*c).or_insert(next);
    }
    map.len()
}

/// Runs Leiden from `initial` (a partition of `net`'s nodes that honours the
/// constraints) for up to `passes` passes, each pass starting from the previous
/// result, stopping early when a pass changes nothing. Returns a dense partition.
pub(crate) fn run(
    net: &Net,
    initial: Vec<usize>,
    gamma: f64,
    passes: usize,
    rng: &mut SplitMix64,
) -> Vec<usize> {
    let mut part = initial;
    renumber(&mut part);
    if net.m <= 0.0 || net.len() == 0 {
        // Without edges every move has ΔQ ≤ 0: the partition stays as it is.
        return part;
    }
    for _ in 0..passes.max(1) {
        let mut next = pass(net, &part, gamma, rng);
        renumber(&mut next);
        if next == part {
            break;
        }
        part = next;
    }
    part
}

/// One pass of Leiden (levels of move / refine / aggregate until stable).
fn pass(net0: &Net, initial: &[usize], gamma: f64, rng: &mut SplitMix64) -> Vec<usize> {
    let mut owned: Option<Net> = None;
    let mut part: Vec<usize> = initial.to_vec();
    renumber(&mut part);
    // node of net0 → node of the current aggregate network
    let mut to_agg: Vec<usize> = (0..net0.len()).collect();
    for _ in 0..MAX_LEVELS {
        let net = owned.as_ref().unwrap_or(net0);
        move_nodes_fast(net, &mut part, gamma, rng);
        let communities = renumber(&mut part);
        if communities == net.len() {
            break;
        }
        let mut refined = refine(net, &part, gamma, rng);
        let mut count = renumber(&mut refined);
        if count == net.len() {
            refined = connected_parts(net, &part);
            count = renumber(&mut refined);
            if count == net.len() {
                break;
            }
        }
        let (agg, agg_part) = aggregate(net, &refined, count, &part);
        for a in to_agg.iter_mut() {
            *a = refined[*a];
        }
        part = agg_part;
        owned = Some(agg);
    }
    to_agg.iter().map(|&a| part[a]).collect()
}

/// Per-community bookkeeping for local moving.
struct Communities {
    total: Vec<f64>,
    size: Vec<usize>,
    label: Vec<Option<usize>>,
    labelled: Vec<usize>,
}

impl Communities {
    fn new(net: &Net, part: &[usize]) -> Self {
        let n = net.len();
        let mut c = Communities {
            total: vec![0.0; n],
            size: vec![0; n],
            label: vec![None; n],
            labelled: vec![0; n],
        };
        for (v, &p) in part.iter().enumerate() {
            c.add(net, v, p);
        }
        c
    }

    fn add(&mut self, net: &Net, v: usize, c: usize) {
        self.total[c] += net.k[v];
        self.size[c] += 1;
        if let Some(l) = net.label[v] {
            self.label[c] = Some(l);
            self.labelled[c] += 1;
        }
    }

    fn remove(&mut self, net: &Net, v: usize, c: usize) {
        self.total[c] -= net.k[v];
        self.size[c] -= 1;
        if net.label[v].is_some() {
            self.labelled[c] -= 1;
            if self.labelled[c] == 0 {
                self.label[c] = None;
            }
        }
        if self.size[c] == 0 {
            self.total[c] = 0.0; // no floating-point residue in empty communities
        }
    }
}

/// May node v join community c under the constraints?
fn allowed(net: &Net, comms: &Communities, part: &[usize], v: usize, c: usize) -> bool {
    if let (Some(lv), Some(lc)) = (net.label[v], comms.label[c])
        && lv != lc
    {
        return false;
    }
    !net.cannot[v].iter().any(|&p| part[p] == c)
}

/// Fast local moving (Algorithm A.2, MoveNodesFast). Returns whether a node moved.
fn move_nodes_fast(net: &Net, part: &mut [usize], gamma: f64, rng: &mut SplitMix64) -> bool {
    let n = net.len();
    let m = net.m;
    let mut comms = Communities::new(net, part);
    let mut empty: Vec<usize> = (0..n).filter(|&c| comms.size[c] == 0).collect();
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut queue: std::collections::VecDeque<usize> = order.into();
    let mut queued = vec![true; n];
    let mut w_to = vec![0.0; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut moved = false;
    while let Some(v) = queue.pop_front() {
        queued[v] = false;
        let a = part[v];
        for &(u, w) in &net.adj[v] {
            let c = part[u];
            if w_to[c] == 0.0 {
                touched.push(c);
            }
            w_to[c] += w;
        }
        comms.remove(net, v, a);
        let kv = net.k[v];
        let score = |w: f64, total: f64| w - gamma * kv * total / (2.0 * m);
        let mut best = a;
        let mut best_score = score(w_to[a], comms.total[a]);
        for &c in &touched {
            if c == a || !allowed(net, &comms, part, v, c) {
                continue;
            }
            let s = score(w_to[c], comms.total[c]);
            if s > best_score + 1e-12 * (1.0 + best_score.abs()) {
                best = c;
                best_score = s;
            }
        }
        // An empty community (score 0), unless v's old community is now empty anyway.
        if comms.size[a] > 0 && 0.0 > best_score + 1e-12 * (1.0 + best_score.abs()) {
            while let Some(&e) = empty.last() {
                if comms.size[e] == 0 && e != a {
                    best = e;
                    break;
                }
                empty.pop();
            }
        }
        for &c in &touched {
            w_to[c] = 0.0;
        }
        touched.clear();
        comms.add(net, v, best);
        part[v] = best;
        if best != a {
            moved = true;
            if empty.last() == Some(&best) {
                empty.pop();
            }
            if comms.size[a] == 0 {
                empty.push(a);
            }
            for &(u, _) in &net.adj[v] {
                if !queued[u] && part[u] != best {
                    queued[u] = true;
                    queue.push_back(u);
                }
            }
        }
    }
    moved
}

/// Refinement (Algorithm A.2, RefinePartition and MergeNodesSubset).
fn refine(net: &Net, part: &[usize], gamma: f64, rng: &mut SplitMix64) -> Vec<usize> {
    let n = net.len();
    let m = net.m;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n];
    for v in 0..n {
        members[part[v]].push(v);
    }
    let mut refined: Vec<usize> = (0..n).collect();
    let mut size = vec![1usize; n];
    let mut total: Vec<f64> = net.k.clone();
    // E(v, S − v) for every node, then E(T, S − T) for every refined community T.
    let ext_node: Vec<f64> = (0..n)
        .map(|v| {
            net.adj[v]
                .iter()
                .filter(|&&(u, _)| part[u] == part[v])
                .map(|&(_, w)| w)
                .sum()
        })
        .collect();
    let mut ext = ext_node.clone();
    let mut w_to = vec![0.0; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut candidates: Vec<(usize, f64)> = Vec::new();
    for s in members.iter_mut().filter(|s| s.len() > 1) {
        let ks: f64 = s.iter().map(|&v| net.k[v]).sum();
        rng.shuffle(s);
        for &v in s.iter() {
            let kv = net.k[v];
            // Only well-connected nodes that are still alone are merged.
            if ext_node[v] < gamma * kv * (ks - kv) / (2.0 * m) || size[refined[v]] != 1 {
                continue;
            }
            let own = refined[v];
            for &(u, w) in &net.adj[v] {
                if part[u] != part[v] {
                    continue;
                }
                let t = refined[u];
                if t == own {
                    continue;
                }
                if w_to[t] == 0.0 {
                    touched.push(t);
                }
                w_to[t] += w;
            }
            candidates.clear();
            candidates.push((own, 0.0));
            for &t in &touched {
                let well_connected = ext[t] >= gamma * total[t] * (ks - total[t]) / (2.0 * m);
                let dq = w_to[t] / m - gamma * kv * total[t] / (2.0 * m * m);
                if well_connected && dq >= 0.0 {
                    candidates.push((t, dq));
                }
            }
            let chosen = choose(&candidates, rng);
            if chosen != own {
                refined[v] = chosen;
                size[own] = 0;
                size[chosen] += 1;
                total[chosen] += kv;
                ext[chosen] = ext[chosen] + ext_node[v] - 2.0 * w_to[chosen];
            }
            for &t in &touched {
                w_to[t] = 0.0;
            }
            touched.clear();
        }
    }
    refined
}

/// Picks a candidate with probability ∝ exp(ΔQ / θ) (shifted by the maximum, so it
/// never overflows).
fn choose(candidates: &[(usize, f64)], rng: &mut SplitMix64) -> usize {
    let max = candidates
        .iter()
        .map(|&(_, d)| d)
        .fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = candidates
        .iter()
        .map(|&(_, d)| ((d - max) / THETA).exp())
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut r = rng.next_f64() * sum;
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return candidates[i].0;
        }
        r -= w;
    }
    candidates[candidates.len() - 1].0
}

/// Each community split into its connected parts (nodes linked by edges inside it).
fn connected_parts(net: &Net, part: &[usize]) -> Vec<usize> {
    let n = net.len();
    let mut out = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut next = 0;
    for start in 0..n {
        if out[start] != usize::MAX {
            continue;
        }
        out[start] = next;
        stack.push(start);
        while let Some(v) = stack.pop() {
            for &(u, _) in &net.adj[v] {
                if out[u] == usize::MAX && part[u] == part[v] {
                    out[u] = next;
                    stack.push(u);
                }
            }
        }
        next += 1;
    }
    out
}

/// The network whose nodes are the `count` communities of `refined`, and its initial
/// partition from `part` (each refined community lies inside one community of `part`).
fn aggregate(net: &Net, refined: &[usize], count: usize, part: &[usize]) -> (Net, Vec<usize>) {
    let n = net.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
    for v in 0..n {
        members[refined[v]].push(v);
    }
    let mut adj = vec![Vec::new(); count];
    let mut self_w = vec![0.0; count];
    let mut k = vec![0.0; count];
    let mut label = vec![None; count];
    let mut cannot: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut agg_part = vec![0; count];
    let mut acc = vec![0.0; count];
    let mut touched = Vec::new();
    for (a, vs) in members.iter().enumerate() {
        for &v in vs {
            agg_part[a] = part[v];
            self_w[a] += net.self_w[v];
            k[a] += net.k[v];
            if net.label[v].is_some() {
                label[a] = net.label[v];
            }
            for &p in &net.cannot[v] {
                cannot[a].push(refined[p]);
            }
            for &(u, w) in &net.adj[v] {
                let b = refined[u];
                if b == a {
                    self_w[a] += w / 2.0; // seen from both ends
                } else {
                    if acc[b] == 0.0 {
                        touched.push(b);
                    }
                    acc[b] += w;
                }
            }
        }
        touched.sort_unstable();
        for &b in &touched {
            adj[a].push((b, acc[b]));
            acc[b] = 0.0;
        }
        touched.clear();
        cannot[a].sort_unstable();
        cannot[a].dedup();
    }
    (
        Net {
            adj,
            self_w,
            k,
            m: net.m,
            label,
            cannot,
        },
        agg_part,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::constraints::contract;
    use crate::cluster::{Constraints, WeightedGraph};

    /// Triangles A = {0,1,2}, B = {3,4,5}, C = {6,7,8}; A–C by 2–6, B–C by 5–7.
    fn three_triangles() -> Net {
        let mut g = WeightedGraph::new(9);
        for t in 0..3 {
            let b = 3 * t;
            for (x, y) in [(0, 1), (1, 2), (0, 2)] {
                g.add_edge(b + x, b + y, 1.0);
            }
        }
        g.add_edge(2, 6, 1.0);
        g.add_edge(5, 7, 1.0);
        contract(&g, &Constraints::default()).net
    }

    /// Is every community of `part` connected inside `net`?
    fn connected(net: &Net, part: &[usize]) -> bool {
        let parts = connected_parts(net, part);
        let mut seen = std::collections::HashMap::new();
        (0..net.len()).all(|v| *seen.entry(part[v]).or_insert(parts[v]) == parts[v])
    }

    #[test]
    fn refinement_keeps_communities_connected_even_from_a_disconnected_one() {
        let net = three_triangles();
        // A and B (not linked to each other) form one community; C another.
        let part = [0, 0, 0, 0, 0, 0, 1, 1, 1];
        assert!(!connected(&net, &part));
        for seed in 0..50 {
            let mut rng = SplitMix64::new(seed);
            let refined = refine(&net, &part, 1.0, &mut rng);
            assert!(connected(&net, &refined), "seed {seed}: {refined:?}");
            for v in 0..9 {
                assert_eq!(part[refined[v]], part[v], "refined ⊆ its community");
            }
            // Well-connected merges happen: fewer refined communities than nodes.
            let mut r = refined.clone();
            assert!(renumber(&mut r) < 9, "seed {seed}: nothing merged");
        }
    }

    #[test]
    fn a_pass_separates_the_triangles() {
        let net = three_triangles();
        let mut rng = SplitMix64::new(3);
        let p = run(&net, vec![0, 0, 0, 0, 0, 0, 1, 1, 1], 1.0, 5, &mut rng);
        assert!(connected(&net, &p));
        assert_eq!(p, vec![0, 0, 0, 1, 1, 1, 2, 2, 2]);
    }

    #[test]
    fn choose_favours_the_larger_gain_without_overflow() {
        let mut rng = SplitMix64::new(1);
        let cands = [(0, 0.0), (1, 5.0)];
        // exp((0 − 5)/θ) underflows to 0: candidate 1 always.
        assert!((0..100).all(|_| choose(&cands, &mut rng) == 1));
        let even = [(0, 0.0), (1, 0.0)];
        let ones = (0..1000).filter(|_| choose(&even, &mut rng) == 1).count();
        assert!((400..600).contains(&ones), "{ones} of 1000");
    }
}
