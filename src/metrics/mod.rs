//! Scores of a decomposition, as the software-clustering and microservice-identification
//! literature defines them. Pure functions on plain inputs (unit indices, cluster ids,
//! weighted edges), not on seam's graph, so they score any partition — a proposal, an
//! edited decomposition.yaml, the authors' own grouping.
//!
//! A *partition* is a slice giving each unit (module) its cluster (context, service) id.
//! Ids need not be dense: a "cluster" is any id that occurs. The papers disagree on
//! variants; each function says which one it implements and why.
//!
//! Unit indices in calls and accesses must be below `partition.len()` (they index it);
//! a caller building them from seam's graph gets that by construction, and an index out
//! of range panics as any slice index does.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::WeightedGraph;

/// Weighted modularity with resolution γ (Newman, "Analysis of weighted networks",
/// Phys. Rev. E 70:056131, 2004; γ as in Reichardt & Bornholdt 2006):
///
/// ```text
/// Q = Σ_c [ e_c / m − γ (K_c / 2m)² ]
/// ```
///
/// e_c = weight of the edges with both ends in c (each once, self-loops included), K_c =
/// Σ of the strengths of c's nodes (self-loops counted twice), m = total weight. This is
/// the (1/2m) Σ_ij [A_ij − γ k_i k_j / 2m] δ(c_i, c_j) form with A_ii = 2 × self-loop,
/// the quality function [`crate::cluster::leiden`] optimises. 0 for a graph without edges.
pub fn modularity(g: &WeightedGraph, partition: &[usize], resolution: f64) -> f64 {
    let m = g.total_weight();
    if m <= 0.0 {
        return 0.0;
    }
    let mut inside: BTreeMap<usize, f64> = BTreeMap::new();
    let mut total: BTreeMap<usize, f64> = BTreeMap::new();
    for v in 0..g.node_count() {
        let c = partition[v];
        *total.entry(c).or_default() += g.strength(v);
        for &(u, w) in g.neighbors(v) {
            if u == v || (u > v && partition[u] == c) {
                *inside.entry(c).or_default() += w;
            }
        }
    }
    total
        .iter()
        .map(|(c, &k)| {
            inside.get(c).copied().unwrap_or(0.0) / m - resolution * (k / (2.0 * m)).powi(2)
        })
        .sum()
}

/// Clusters of a partition as lists of objects, ids made dense in order of appearance.
fn clusters(p: &[usize]) -> Vec<Vec<usize>> {
    let mut id: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for &c in p {
        if let std::collections::btree_map::Entry::Vacant(e) = id.entry(c) {
            e.insert(out.len());
            out.push(Vec::new());
        }
    }
    for (o, &c) in p.iter().enumerate() {
        out[id[&c]].push(o);
    }
    out
}

/// mno(A, B): the minimum number of Move and Join operations turning partition A into
/// B (Tzerpos & Holt, "MoJo: a distance metric for software clusterings", WCRE 1999),
/// computed exactly as in Wen & Tzerpos, "An optimal algorithm for MoJo distance"
/// (IWPC 2003): each cluster A_i is tagged with the B clusters it shares most objects
/// with (max_j |A_i ∩ B_j|, ties kept); a maximum bipartite matching between A clusters
/// and those tags gives the largest number g of non-empty groups; then
///
/// ```text
/// mno(A, B) = Σ_i (|A_i| − max_j |A_i ∩ B_j|)  +  (l_A − g)
///             └────────── moves ──────────┘     └─ joins ─┘
/// ```
///
/// This is the computation of the reference implementation (MoJoCalculator, `MoJo`
/// mode: `tagAssignment`, `maxbipartiteMatching`, `calculateCost`). `a[o]` and `b[o]`
/// are the clusters of object o in A and B.
pub fn mno(a: &[usize], b: &[usize]) -> usize {
    assert_eq!(
        a.len(),
        b.len(),
        "both partitions must cover the same objects"
    );
    let ca = clusters(a);
    let mut b_id: BTreeMap<usize, usize> = BTreeMap::new();
    for &c in b {
        let next = b_id.len();
        b_id.entry(c).or_insert(next);
    }
    let mut moves = 0;
    let mut tags: Vec<Vec<usize>> = Vec::with_capacity(ca.len());
    for objects in &ca {
        let mut count: BTreeMap<usize, usize> = BTreeMap::new();
        for &o in objects {
            *count.entry(b_id[&b[o]]).or_default() += 1;
        }
        let max = count.values().copied().max().unwrap_or(0);
        moves += objects.len() - max;
        tags.push(
            count
                .iter()
                .filter(|&(_, &n)| n == max)
                .map(|(&j, _)| j)
                .collect(),
        );
    }
    let g = max_bipartite_matching(&tags, b_id.len());
    moves + ca.len() - g
}

/// Size of a maximum matching between left nodes (with their right neighbours) and
/// `right` right nodes, by augmenting paths (Kuhn's algorithm).
fn max_bipartite_matching(left: &[Vec<usize>], right: usize) -> usize {
    fn augment(
        v: usize,
        left: &[Vec<usize>],
        seen: &mut [bool],
        match_right: &mut [usize],
    ) -> bool {
        for &r in &left[v] {
            if seen[r] {
                continue;
            }
            seen[r] = true;
            if match_right[r] == usize::MAX || augment(match_right[r], left, seen, match_right) {
                match_right[r] = v;
                return true;
            }
        }
        false
    }
    let mut match_right = vec![usize::MAX; right];
    let mut size = 0;
    for v in 0..left.len() {
        let mut seen = vec![false; right];
        if augment(v, left, &mut seen, &mut match_right) {
            size += 1;
        }
    }
    size
}

/// MoJo distance (Tzerpos & Holt 1999): min(mno(A, B), mno(B, A)).
pub fn mojo(a: &[usize], b: &[usize]) -> usize {
    mno(a, b).min(mno(b, a))
}

/// max(mno(∀A, B)): the largest mno any partition can have to B. With B's cluster sizes
/// sorted ascending, g counts up by one at each size larger than the current g; the
/// maximum is n − g (Wen & Tzerpos 2004; MoJoCalculator's `maxDistanceTo`).
pub fn max_mno(b: &[usize]) -> usize {
    let mut sizes: Vec<usize> = clusters(b).iter().map(Vec::len).collect();
    sizes.sort_unstable();
    let mut g = 0;
    for s in sizes {
        if g < s {
            g += 1;
        }
    }
    b.len() - g
}

/// MoJoFM (Wen & Tzerpos, "An effectiveness measure for software clustering
/// algorithms", IWPC 2004), in percent:
///
/// ```text
/// MoJoFM(A, B) = (1 − mno(A, B) / max(mno(∀A, B))) × 100
/// ```
///
/// `a` is the clustering under test, `b` the authoritative one (the direction matters:
/// mno is not symmetric). 100 means A is B; 0 means A is as far from B as a partition can
/// be. Not rounded (MoJoCalculator rounds to two decimals). When no partition can differ
/// from B (max = 0: at most one object), the result is 100.
pub fn mojofm(a: &[usize], b: &[usize]) -> f64 {
    let max = max_mno(b);
    if max == 0 {
        return 100.0;
    }
    (1.0 - mno(a, b) as f64 / max as f64) * 100.0
}

/// Distinct directed unit pairs (u ≠ v) with at least one call, and the number of units
/// and services: the inputs of SM.
fn distinct_calls(calls: &[(usize, usize, f64)]) -> BTreeSet<(usize, usize)> {
    calls
        .iter()
        .filter(|&&(u, v, w)| u != v && w > 0.0)
        .map(|&(u, v, _)| (u, v))
        .collect()
}

/// Structural Modularity (Jin, Liu, Cai, Kazman, Mo & Zheng, "Service candidate
/// identification from monolithic systems based on execution traces", IEEE TSE 47(5),
/// 2019), higher is better:
///
/// ```text
/// SM = (1/K) Σ_i scoh_i − (1 / (K(K−1)/2)) Σ_{i<j} scop_ij
/// scoh_i = μ_i / N_i²        scop_ij = σ_ij / (2 N_i N_j)
/// ```
///
/// K services, N_i units in service i, μ_i the number of *distinct directed calling
/// pairs* (u → v, u ≠ v) inside i, σ_ij those between i and j in either direction. The
/// paper counts dependency edges, not call frequencies, so weights are ignored here;
/// with distinct pairs scoh and scop stay in [0, 1] as the N_i² and 2 N_i N_j
/// denominators intend. Self-calls are not pairs between units and are left out. With
/// one service the coupling term (0/0) is taken as 0. An empty partition scores 0.
pub fn structural_modularity(partition: &[usize], calls: &[(usize, usize, f64)]) -> f64 {
    let sizes = cluster_sizes(partition);
    let k = sizes.len();
    if k == 0 {
        return 0.0;
    }
    let mut inside: BTreeMap<usize, f64> = BTreeMap::new();
    let mut between: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (u, v) in distinct_calls(calls) {
        let (a, b) = (partition[u], partition[v]);
        if a == b {
            *inside.entry(a).or_default() += 1.0;
        } else {
            *between.entry((a.min(b), a.max(b))).or_default() += 1.0;
        }
    }
    let cohesion: f64 = sizes
        .iter()
        .map(|(c, &n)| inside.get(c).copied().unwrap_or(0.0) / (n * n) as f64)
        .sum::<f64>()
        / k as f64;
    if k == 1 {
        return cohesion;
    }
    let coupling: f64 = between
        .iter()
        .map(|(&(a, b), &s)| s / (2.0 * sizes[&a] as f64 * sizes[&b] as f64))
        .sum::<f64>()
        / (k * (k - 1) / 2) as f64;
    cohesion - coupling
}

fn cluster_sizes(partition: &[usize]) -> BTreeMap<usize, usize> {
    let mut sizes = BTreeMap::new();
    for &c in partition {
        *sizes.entry(c).or_default() += 1;
    }
    sizes
}

/// Inter-Call Percentage (Kalia et al., "Mono2Micro: a practical and effective tool for
/// decomposing monolithic Java applications to microservices", ESEC/FSE 2021): the share
/// of call weight (occurrences) that crosses services, Σ_{p(u)≠p(v)} w / Σ w, in [0, 1];
/// lower is better. Mono2Micro counts runtime calls; seam's static call weights (call
/// sites) stand in for them. 0 when there are no calls.
pub fn icp(partition: &[usize], calls: &[(usize, usize, f64)]) -> f64 {
    let (mut cross, mut all) = (0.0, 0.0);
    for &(u, v, w) in calls {
        if w > 0.0 {
            all += w;
            if partition[u] != partition[v] {
                cross += w;
            }
        }
    }
    if all > 0.0 { cross / all } else { 0.0 }
}

/// The interface units of each service: units of the service called from another
/// service, sorted, keyed by service id.
pub fn interface_units(
    partition: &[usize],
    calls: &[(usize, usize, f64)],
) -> BTreeMap<usize, Vec<usize>> {
    let mut out: BTreeMap<usize, BTreeSet<usize>> = cluster_sizes(partition)
        .keys()
        .map(|&c| (c, BTreeSet::new()))
        .collect();
    for &(u, v, w) in calls {
        if w > 0.0 && partition[u] != partition[v] {
            out.entry(partition[v]).or_default().insert(v);
        }
    }
    out.into_iter()
        .map(|(c, s)| (c, s.into_iter().collect()))
        .collect()
}

/// Interface Number (Jin et al. 2019): the mean over services of the number of
/// interfaces, an interface being a distinct unit of the service called from another
/// service ([`interface_units`]); lower is better. 0 for an empty partition.
pub fn ifn(partition: &[usize], calls: &[(usize, usize, f64)]) -> f64 {
    let per = interface_units(partition, calls);
    if per.is_empty() {
        return 0.0;
    }
    per.values().map(Vec::len).sum::<usize>() as f64 / per.len() as f64
}

/// Bounds of a "non-extreme" service in NED, in units: Mono2Micro's 5 to 20 classes.
pub const NED_MIN: usize = 5;
pub const NED_MAX: usize = 20;

/// Non-Extreme Distribution (Kalia et al. 2021, after Wu, Hassan & Holt 2005): the share
/// of units in services whose size is outside [min, max] (Mono2Micro uses 5..=20 classes:
/// [`NED_MIN`], [`NED_MAX`]):
///
/// ```text
/// NED = 1 − Σ_{i : min ≤ N_i ≤ max} N_i / N
/// ```
///
/// in [0, 1], lower is better. This is Mono2Micro's variant (a share of units), not Wu et
/// al.'s original (which also ignores clusters under the lower bound); it is what the
/// microservice-identification papers that report NED next to SM, ICP and IFN use.
/// 0 for an empty partition.
pub fn ned(partition: &[usize], min: usize, max: usize) -> f64 {
    if partition.is_empty() {
        return 0.0;
    }
    let ok: usize = cluster_sizes(partition)
        .values()
        .filter(|&&n| (min..=max).contains(&n))
        .sum();
    1.0 - ok as f64 / partition.len() as f64
}

/// One data access: (unit, table, is_write, weight).
pub type Access = (usize, usize, bool, f64);

/// Transactional purity as table-access entropy: for each table t accessed (weight > 0),
/// the distribution p_c of its access weight over the contexts c of the accessing units,
/// and its Shannon entropy normalised by the largest possible, ln K (K = number of
/// contexts in the partition):
///
/// ```text
/// H_t = −Σ_c p_c ln p_c / ln K          entropy = mean over accessed tables of H_t
/// ```
///
/// 0 = every table is accessed by one context only (pure, database per service); 1 =
/// every table's accesses spread evenly over all contexts. Reads and writes count alike;
/// pass only the writes to score write ownership. 0 when K ≤ 1 or nothing is accessed.
/// (Mono2Micro and the data-centric papers call the goal "transactional purity" without
/// one formula; entropy normalised by ln K keeps scores comparable across K.)
pub fn table_access_entropy(partition: &[usize], accesses: &[Access]) -> f64 {
    let k = cluster_sizes(partition).len();
    if k <= 1 {
        return 0.0;
    }
    let per_table = table_context_weights(partition, accesses);
    if per_table.is_empty() {
        return 0.0;
    }
    let ln_k = (k as f64).ln();
    let sum: f64 = per_table
        .values()
        .map(|by_ctx| {
            let total: f64 = by_ctx.values().sum();
            -by_ctx
                .values()
                .map(|&w| {
                    let p = w / total;
                    p * p.ln()
                })
                .sum::<f64>()
                / ln_k
        })
        .sum();
    sum / per_table.len() as f64
}

fn table_context_weights(
    partition: &[usize],
    accesses: &[Access],
) -> BTreeMap<usize, BTreeMap<usize, f64>> {
    let mut per_table: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
    for &(unit, table, _, w) in accesses {
        if w > 0.0 {
            *per_table
                .entry(table)
                .or_default()
                .entry(partition[unit])
                .or_default() += w;
        }
    }
    per_table
}

/// Tables accessed (weight > 0) by units of more than one context, sorted: the first
/// thing to report against database-per-service.
pub fn shared_tables(partition: &[usize], accesses: &[Access]) -> Vec<usize> {
    table_context_weights(partition, accesses)
        .into_iter()
        .filter(|(_, by_ctx)| by_ctx.len() > 1)
        .map(|(t, _)| t)
        .collect()
}

/// [`shared_tables`]'s count.
pub fn shared_table_count(partition: &[usize], accesses: &[Access]) -> usize {
    shared_tables(partition, accesses).len()
}

/// Dependency cycles between contexts: the strongly connected components with more than
/// one context of the directed graph on contexts `0..k` (Tarjan's algorithm, petgraph's
/// `tarjan_scc`). Each cycle is sorted, and the list is sorted. Edges naming a context
/// ≥ k are ignored.
pub fn cyclic_dependencies(k: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut g = petgraph::graph::DiGraph::<(), ()>::with_capacity(k, edges.len());
    let nodes: Vec<_> = (0..k).map(|_| g.add_node(())).collect();
    for &(a, b) in edges {
        if a < k && b < k && a != b {
            g.update_edge(nodes[a], nodes[b], ());
        }
    }
    let mut out: Vec<Vec<usize>> = petgraph::algo::tarjan_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut v: Vec<usize> = scc.into_iter().map(|n| n.index()).collect();
            v.sort_unstable();
            v
        })
        .collect();
    out.sort();
    out
}

/// The granularity guidance seam checks: 1K–10K lines of code per service (the
/// architecture guide's rule of thumb, PRODUCT.md "Granularity").
pub const LOC_MIN: u64 = 1_000;
pub const LOC_MAX: u64 = 10_000;

/// Where a context's size sits against [`LOC_MIN`]..=[`LOC_MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocStatus {
    TooSmall,
    Ok,
    TooLarge,
}

impl LocStatus {
    pub fn of(loc: u64) -> LocStatus {
        if loc < LOC_MIN {
            LocStatus::TooSmall
        } else if loc > LOC_MAX {
            LocStatus::TooLarge
        } else {
            LocStatus::Ok
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LocStatus::TooSmall => "too_small",
            LocStatus::Ok => "ok",
            LocStatus::TooLarge => "too_large",
        }
    }
}

/// Lines of code per context (Σ of its units' `unit_loc`), keyed by context id, with
/// its [`LocStatus`].
pub fn loc_per_context(partition: &[usize], unit_loc: &[u64]) -> BTreeMap<usize, (u64, LocStatus)> {
    let mut sums: BTreeMap<usize, u64> = BTreeMap::new();
    for (u, &c) in partition.iter().enumerate() {
        *sums.entry(c).or_default() += unit_loc.get(u).copied().unwrap_or(0);
    }
    sums.into_iter()
        .map(|(c, loc)| (c, (loc, LocStatus::of(loc))))
        .collect()
}

#[cfg(test)]
mod tests;
