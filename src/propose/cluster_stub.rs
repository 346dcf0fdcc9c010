//! STAND-IN — delete at merge. A minimal, simple implementation of the public API of
//! `seam::cluster` and `seam::metrics`, which another branch (`cluster`) writes in full.
//! `seam propose` uses it through exactly one import line in `src/propose/mod.rs`
//! (`use cluster_stub as cluster; use cluster_stub::metrics;`), so switching to the real
//! modules is a one-line change.
//!
//! The clustering here is deterministic local moving on modularity (the first phase of
//! Louvain/Leiden, with a seeded visiting order), then greedy merging of the pair with
//! the best modularity gain down to `target_clusters`. It respects fixed nodes,
//! must-link (merged before moving) and cannot-link (a move never joins two
//! cannot-linked nodes). It is not Leiden: no refinement phase, no aggregation.

/// An undirected weighted graph with adjacency lists.
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

    /// Adds `w` to the undirected edge a–b (a self-loop counts once).
    pub fn add_edge(&mut self, a: usize, b: usize, w: f64) {
        if w <= 0.0 || !w.is_finite() {
            return;
        }
        add_to(&mut self.adj[a], b, w);
        if a != b {
            add_to(&mut self.adj[b], a, w);
        }
        self.strength[a] += w;
        self.strength[b] += w;
        self.total += w;
    }

    pub fn node_count(&self) -> usize {
        self.adj.len()
    }

    pub fn neighbors(&self, i: usize) -> &[(usize, f64)] {
        &self.adj[i]
    }

    /// Weighted degree.
    pub fn strength(&self, i: usize) -> f64 {
        self.strength[i]
    }

    /// Sum of edge weights (m).
    pub fn total_weight(&self) -> f64 {
        self.total
    }
}

fn add_to(list: &mut Vec<(usize, f64)>, to: usize, w: f64) {
    match list.iter_mut().find(|(n, _)| *n == to) {
        Some((_, x)) => *x += w,
        None => list.push((to, w)),
    }
}

#[derive(Debug, Clone)]
pub struct LeidenOptions {
    pub resolution: f64,
    pub seed: u64,
    pub target_clusters: Option<usize>,
    pub max_iterations: usize,
}

impl Default for LeidenOptions {
    fn default() -> Self {
        LeidenOptions {
            resolution: 1.0,
            seed: 42,
            target_clusters: None,
            max_iterations: 50,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Constraints {
    /// `fixed[i] = Some(c)`: node i must end in the cluster of every other node fixed to c.
    pub fixed: Vec<Option<usize>>,
    pub must_link: Vec<(usize, usize)>,
    pub cannot_link: Vec<(usize, usize)>,
}

/// Cluster labels `0..k`, numbered in order of first appearance. With a target and
/// too few clusters, the resolution is raised until there are enough, then merged down.
pub fn leiden(g: &WeightedGraph, opts: &LeidenOptions, c: &Constraints) -> Vec<usize> {
    let mut o = opts.clone();
    let mut p = leiden_once(g, &o, c);
    if let Some(k) = opts.target_clusters {
        for _ in 0..16 {
            if p.iter().max().map_or(0, |&m| m + 1) >= k.min(g.node_count()) {
                break;
            }
            o.resolution *= 1.5;
            p = leiden_once(g, &o, c);
        }
    }
    p
}

fn leiden_once(g: &WeightedGraph, opts: &LeidenOptions, c: &Constraints) -> Vec<usize> {
    let n = g.node_count();
    if n == 0 {
        return Vec::new();
    }
    // Super-nodes: must-link components and nodes fixed to the same label.
    let mut uf: Vec<usize> = (0..n).collect();
    fn find(uf: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while uf[r] != r {
            r = uf[r];
        }
        let mut y = x;
        while uf[y] != r {
            let next = uf[y];
            uf[y] = r;
            y = next;
        }
        r
    }
    for &(a, b) in &c.must_link {
        if a < n && b < n {
            let (ra, rb) = (find(&mut uf, a), find(&mut uf, b));
            uf[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut first_fixed: std::collections::BTreeMap<usize, usize> = Default::default();
    for (i, f) in c.fixed.iter().enumerate().take(n) {
        if let Some(label) = f {
            match first_fixed.get(label) {
                Some(&j) => {
                    let (ra, rb) = (find(&mut uf, i), find(&mut uf, j));
                    uf[ra.max(rb)] = ra.min(rb);
                }
                None => {
                    first_fixed.insert(*label, i);
                }
            }
        }
    }
    let mut cluster: Vec<usize> = (0..n).map(|i| find(&mut uf, i)).collect();
    let pinned: Vec<bool> = (0..n)
        .map(|i| c.fixed.get(i).is_some_and(|f| f.is_some()))
        .collect();
    // A super-node holding a fixed node never moves; neither do its members.
    let mut root_pinned = vec![false; n];
    for i in 0..n {
        if pinned[i] {
            root_pinned[cluster[i]] = true;
        }
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        members[cluster[i]].push(i);
    }
    let m2 = 2.0 * g.total_weight();
    let gamma = opts.resolution;
    let mut tot = vec![0.0; n];
    for i in 0..n {
        tot[cluster[i]] += g.strength(i);
    }
    let conflicts = |cluster: &[usize], group: &[usize], target: usize| {
        c.cannot_link.iter().any(|&(a, b)| {
            (group.contains(&a) && b < n && cluster[b] == target && !group.contains(&b))
                || (group.contains(&b) && a < n && cluster[a] == target && !group.contains(&a))
        })
    };
    let mut rng = opts.seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut in_group = vec![false; n];
    // Levels: local moving of groups, then every cluster becomes one group (Louvain's
    // aggregation, done on member lists rather than a coarsened graph).
    for _level in 0..16 {
        let mut order: Vec<usize> = (0..n).filter(|&r| !members[r].is_empty()).collect();
        for i in (1..order.len()).rev() {
            rng = splitmix(rng);
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let mut moved_any = false;
        if m2 > 0.0 {
            for _ in 0..opts.max_iterations.max(1) {
                let mut moved = false;
                for &root in &order {
                    if root_pinned[root] {
                        continue;
                    }
                    let group = &members[root];
                    let current = cluster[group[0]];
                    let k: f64 = group.iter().map(|&i| g.strength(i)).sum();
                    let mut links: std::collections::BTreeMap<usize, f64> = Default::default();
                    for &i in group {
                        in_group[i] = true;
                    }
                    for &i in group {
                        for &(j, w) in g.neighbors(i) {
                            if !in_group[j] {
                                *links.entry(cluster[j]).or_default() += w;
                            }
                        }
                    }
                    for &i in group {
                        in_group[i] = false;
                    }
                    let own = links.get(&current).copied().unwrap_or(0.0);
                    let base = own - gamma * k * (tot[current] - k) / m2;
                    let mut best = (current, base);
                    for (&target, &w) in &links {
                        if target == current || conflicts(&cluster, group, target) {
                            continue;
                        }
                        let gain = w - gamma * k * tot[target] / m2;
                        if gain > best.1 + 1e-12 {
                            best = (target, gain);
                        }
                    }
                    if best.0 != current {
                        tot[current] -= k;
                        tot[best.0] += k;
                        for &i in group {
                            cluster[i] = best.0;
                        }
                        moved = true;
                        moved_any = true;
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        if !moved_any {
            break;
        }
        // Aggregate: one group per cluster; a group holding a pinned node stays put.
        members = vec![Vec::new(); n];
        for i in 0..n {
            members[cluster[i]].push(i);
        }
        root_pinned = vec![false; n];
        for i in 0..n {
            if pinned[i] {
                root_pinned[cluster[i]] = true;
            }
        }
    }
    if let Some(k) = opts.target_clusters {
        merge_down(g, &mut cluster, k.max(1), gamma, c, &pinned);
    }
    relabel(&cluster)
}

/// Merges the pair of clusters with the best modularity gain until `k` remain; fixed
/// clusters with different labels and cannot-linked clusters are never merged.
fn merge_down(
    g: &WeightedGraph,
    cluster: &mut [usize],
    k: usize,
    gamma: f64,
    c: &Constraints,
    pinned: &[bool],
) {
    let m2 = (2.0 * g.total_weight()).max(1e-12);
    loop {
        let labels: std::collections::BTreeSet<usize> = cluster.iter().copied().collect();
        if labels.len() <= k {
            return;
        }
        let mut tot: std::collections::BTreeMap<usize, f64> = Default::default();
        for (i, &l) in cluster.iter().enumerate() {
            *tot.entry(l).or_default() += g.strength(i);
        }
        let mut between: std::collections::BTreeMap<(usize, usize), f64> = Default::default();
        for i in 0..g.node_count() {
            for &(j, w) in g.neighbors(i) {
                let (a, b) = (cluster[i], cluster[j]);
                if a < b {
                    *between.entry((a, b)).or_default() += w;
                }
            }
        }
        let fixed_label = |l: usize| {
            (0..cluster.len()).find_map(|i| (cluster[i] == l && pinned[i]).then(|| c.fixed[i]))
        };
        let allowed = |a: usize, b: usize| {
            let (fa, fb) = (fixed_label(a).flatten(), fixed_label(b).flatten());
            if fa.is_some() && fb.is_some() && fa != fb {
                return false;
            }
            !c.cannot_link.iter().any(|&(x, y)| {
                (cluster[x] == a && cluster[y] == b) || (cluster[x] == b && cluster[y] == a)
            })
        };
        let labels: Vec<usize> = labels.into_iter().collect();
        let mut best: Option<((usize, usize), f64)> = None;
        for (x, &a) in labels.iter().enumerate() {
            for &b in &labels[x + 1..] {
                let w = between.get(&(a, b)).copied().unwrap_or(0.0);
                let gain = 2.0 * w / m2 - 2.0 * gamma * tot[&a] * tot[&b] / (m2 * m2);
                if allowed(a, b) && best.is_none_or(|(_, g)| gain > g + 1e-15) {
                    best = Some(((a, b), gain));
                }
            }
        }
        let Some(((a, b), _)) = best else { return };
        for l in cluster.iter_mut() {
            if *l == b {
                *l = a;
            }
        }
    }
}

fn relabel(cluster: &[usize]) -> Vec<usize> {
    let mut map = std::collections::HashMap::new();
    cluster
        .iter()
        .map(|&l| {
            let next = map.len();
            *map.entry(l).or_insert(next)
        })
        .collect()
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// STAND-IN for `seam::metrics` — delete at merge.
pub mod metrics {
    use std::collections::{BTreeMap, BTreeSet};

    use super::WeightedGraph;

    /// Newman–Girvan modularity with resolution γ on the undirected weighted graph:
    /// Q = Σ_c [ L_c/m − γ (d_c / 2m)² ], L_c the weight inside c, d_c its total strength.
    pub fn modularity(g: &WeightedGraph, partition: &[usize], resolution: f64) -> f64 {
        let m = g.total_weight();
        if m <= 0.0 {
            return 0.0;
        }
        let mut inside: BTreeMap<usize, f64> = BTreeMap::new();
        let mut degree: BTreeMap<usize, f64> = BTreeMap::new();
        for i in 0..g.node_count() {
            *degree.entry(partition[i]).or_default() += g.strength(i);
            for &(j, w) in g.neighbors(i) {
                if partition[i] == partition[j] {
                    // Each undirected edge is seen from both ends, a self-loop once.
                    let share = if i == j { w } else { w / 2.0 };
                    *inside.entry(partition[i]).or_default() += share;
                }
            }
        }
        degree
            .iter()
            .map(|(c, d)| {
                inside.get(c).copied().unwrap_or(0.0) / m - resolution * (d / (2.0 * m)).powi(2)
            })
            .sum()
    }

    /// MoJoFM (Wen & Tzerpos 2004) of `a` against the reference `b`, in percent:
    /// 100 × (1 − mno(A,B) / max mno(∀A,B)), with mno = moves + joins from the
    /// tag-and-match MoJo algorithm.
    pub fn mojofm(a: &[usize], b: &[usize]) -> f64 {
        let n = a.len().min(b.len());
        if n == 0 {
            return 100.0;
        }
        let la = a[..n].iter().max().map_or(0, |&x| x + 1);
        let lb = b[..n].iter().max().map_or(0, |&x| x + 1);
        let mut v = vec![vec![0usize; lb]; la];
        for i in 0..n {
            v[a[i]][b[i]] += 1;
        }
        let mut moves = 0;
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); la];
        let mut clusters_a = 0;
        for (i, row) in v.iter().enumerate() {
            let size: usize = row.iter().sum();
            if size == 0 {
                continue;
            }
            clusters_a += 1;
            let max = *row.iter().max().unwrap_or(&0);
            moves += size - max;
            edges[i] = (0..lb).filter(|&j| row[j] == max).collect();
        }
        let mut matched_b: Vec<Option<usize>> = vec![None; lb];
        fn augment(
            i: usize,
            edges: &[Vec<usize>],
            seen: &mut [bool],
            matched_b: &mut [Option<usize>],
        ) -> bool {
            for &j in &edges[i] {
                if !seen[j] {
                    seen[j] = true;
                    if matched_b[j].is_none_or(|k| augment(k, edges, seen, matched_b)) {
                        matched_b[j] = Some(i);
                        return true;
                    }
                }
            }
            false
        }
        let mut groups = 0;
        for i in 0..la {
            let mut seen = vec![false; lb];
            if augment(i, &edges, &mut seen, &mut matched_b) {
                groups += 1;
            }
        }
        let mno = moves + clusters_a - groups;
        let mut sizes = vec![0usize; lb];
        for &x in &b[..n] {
            sizes[x] += 1;
        }
        sizes.sort_unstable();
        let mut g = 0;
        for s in sizes {
            if g < s {
                g += 1;
            }
        }
        let max = n - g;
        if max == 0 {
            return 100.0;
        }
        100.0 * (1.0 - mno as f64 / max as f64)
    }

    /// Structural Modularity (Jin et al. 2019, FoME): SM = (1/K) Σ_k coh_k / N_k²
    /// − (1/(K(K−1)/2)) Σ_{i<j} coup_ij / (2 N_i N_j), on distinct directed call pairs
    /// between units; coh_k counts pairs inside k, coup_ij pairs between i and j.
    pub fn structural_modularity(partition: &[usize], calls: &[(usize, usize, f64)]) -> f64 {
        let k = partition.iter().copied().collect::<BTreeSet<_>>();
        if k.is_empty() {
            return 0.0;
        }
        let mut size: BTreeMap<usize, f64> = BTreeMap::new();
        for &c in partition {
            *size.entry(c).or_default() += 1.0;
        }
        let pairs: BTreeSet<(usize, usize)> = calls
            .iter()
            .filter(|(a, b, _)| a != b)
            .map(|&(a, b, _)| (a, b))
            .collect();
        let mut coh: BTreeMap<usize, f64> = BTreeMap::new();
        let mut coup: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        for (a, b) in pairs {
            let (ca, cb) = (partition[a], partition[b]);
            if ca == cb {
                *coh.entry(ca).or_default() += 1.0;
            } else {
                *coup.entry((ca.min(cb), ca.max(cb))).or_default() += 1.0;
            }
        }
        let kf = k.len() as f64;
        let cohesion: f64 = size
            .iter()
            .map(|(c, n)| coh.get(c).copied().unwrap_or(0.0) / (n * n))
            .sum::<f64>()
            / kf;
        let coupling = if k.len() > 1 {
            coup.iter()
                .map(|((a, b), e)| e / (2.0 * size[a] * size[b]))
                .sum::<f64>()
                / (kf * (kf - 1.0) / 2.0)
        } else {
            0.0
        };
        cohesion - coupling
    }

    /// Inter-Call Percentage (Jin et al. 2019): weight of calls between contexts over
    /// the weight of all calls between distinct units. 0 when there are no calls.
    pub fn inter_call_percentage(partition: &[usize], calls: &[(usize, usize, f64)]) -> f64 {
        let (mut inter, mut all) = (0.0, 0.0);
        for &(a, b, w) in calls.iter().filter(|(a, b, _)| a != b) {
            all += w;
            if partition[a] != partition[b] {
                inter += w;
            }
        }
        if all > 0.0 { inter / all } else { 0.0 }
    }

    /// Interface Number (Jin et al. 2019): the mean, over contexts, of the number of
    /// distinct units of a context that are called from another context.
    pub fn interface_number(partition: &[usize], calls: &[(usize, usize, f64)]) -> f64 {
        let k = partition.iter().copied().collect::<BTreeSet<_>>().len();
        if k == 0 {
            return 0.0;
        }
        let interfaces: BTreeSet<usize> = calls
            .iter()
            .filter(|(a, b, _)| partition[*a] != partition[*b])
            .map(|&(_, b, _)| b)
            .collect();
        interfaces.len() as f64 / k as f64
    }

    /// Non-Extreme Distribution (Jin et al. 2019): 1 − (units in contexts holding
    /// between `min` and `max` units, inclusive) / all units. Lower is better.
    pub fn non_extreme_distribution(partition: &[usize], min: usize, max: usize) -> f64 {
        if partition.is_empty() {
            return 0.0;
        }
        let mut size: BTreeMap<usize, usize> = BTreeMap::new();
        for &c in partition {
            *size.entry(c).or_default() += 1;
        }
        let ok: usize = size.values().filter(|&&s| s >= min && s <= max).sum();
        1.0 - ok as f64 / partition.len() as f64
    }

    /// Table-access entropy: for each table, H = −Σ_c p_c log2 p_c over the share of its
    /// access weight (reads and writes) coming from each context; the result is the mean
    /// over accessed tables. 0 means every table is touched by one context only.
    pub fn table_access_entropy(
        partition: &[usize],
        accesses: &[(usize, usize, bool, f64)],
    ) -> f64 {
        let mut by_table: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
        for &(unit, table, _, w) in accesses {
            *by_table
                .entry(table)
                .or_default()
                .entry(partition[unit])
                .or_default() += w;
        }
        if by_table.is_empty() {
            return 0.0;
        }
        let total: f64 = by_table
            .values()
            .map(|ctx| {
                let sum: f64 = ctx.values().sum();
                ctx.values()
                    .filter(|&&w| w > 0.0)
                    .map(|&w| {
                        let p = w / sum;
                        -p * p.log2()
                    })
                    .sum::<f64>()
            })
            .sum();
        // `+ 0.0` turns the −0.0 of single-context tables into 0.
        total / by_table.len() as f64 + 0.0
    }

    /// Tables accessed (read or written) by more than one context.
    pub fn shared_tables(partition: &[usize], accesses: &[(usize, usize, bool, f64)]) -> usize {
        let mut by_table: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for &(unit, table, _, _) in accesses {
            by_table.entry(table).or_default().insert(partition[unit]);
        }
        by_table.values().filter(|c| c.len() > 1).count()
    }

    /// Strongly connected components with more than one member of the directed graph on
    /// `0..k` (Tarjan), each sorted, in order of their smallest member.
    pub fn cyclic_dependencies(k: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
        let mut adj = vec![Vec::new(); k];
        for &(a, b) in edges {
            if a < k && b < k && a != b {
                adj[a].push(b);
            }
        }
        struct T<'a> {
            adj: &'a [Vec<usize>],
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            on: Vec<bool>,
            stack: Vec<usize>,
            next: usize,
            out: Vec<Vec<usize>>,
        }
        fn visit(t: &mut T, v: usize) {
            t.index[v] = Some(t.next);
            t.low[v] = t.next;
            t.next += 1;
            t.stack.push(v);
            t.on[v] = true;
            for i in 0..t.adj[v].len() {
                let w = t.adj[v][i];
                match t.index[w] {
                    None => {
                        visit(t, w);
                        t.low[v] = t.low[v].min(t.low[w]);
                    }
                    Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                    _ => {}
                }
            }
            if Some(t.low[v]) == t.index[v] {
                let mut comp = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort_unstable();
                    t.out.push(comp);
                }
            }
        }
        let mut t = T {
            adj: &adj,
            index: vec![None; k],
            low: vec![0; k],
            on: vec![false; k],
            stack: Vec::new(),
            next: 0,
            out: Vec::new(),
        };
        for v in 0..k {
            if t.index[v].is_none() {
                visit(&mut t, v);
            }
        }
        t.out.sort();
        t.out
    }

    /// Where a context's size falls against the 1K–10K lines-of-code guidance.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum LocStatus {
        TooSmall,
        Ok,
        TooLarge,
    }

    pub fn loc_status(loc: u64) -> LocStatus {
        if loc < 1_000 {
            LocStatus::TooSmall
        } else if loc > 10_000 {
            LocStatus::TooLarge
        } else {
            LocStatus::Ok
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn mojofm_is_100_for_equal_partitions_and_drops_with_moves() {
            assert_eq!(mojofm(&[0, 0, 1, 1], &[1, 1, 0, 0]), 100.0);
            // One object moved out of 6 in 2 clusters of 3: mno 1, max = 6 − 2 = 4.
            let v = mojofm(&[0, 0, 0, 1, 1, 0], &[0, 0, 0, 1, 1, 1]);
            assert!((v - 75.0).abs() < 1e-9, "{v}");
        }

        #[test]
        fn sccs_find_cycles_only() {
            assert_eq!(
                cyclic_dependencies(4, &[(0, 1), (1, 0), (2, 3)]),
                vec![vec![0, 1]]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cliques_split_and_constraints_hold() {
        let mut g = WeightedGraph::new(6);
        for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)] {
            g.add_edge(a, b, 1.0);
        }
        g.add_edge(2, 3, 0.1);
        let p = leiden(&g, &LeidenOptions::default(), &Constraints::default());
        assert_eq!(p[0], p[1]);
        assert_eq!(p[1], p[2]);
        assert_ne!(p[2], p[3]);
        let mut fixed = vec![None; 6];
        fixed[2] = Some(7);
        fixed[4] = Some(7);
        let c = Constraints {
            fixed,
            ..Default::default()
        };
        let p = leiden(&g, &LeidenOptions::default(), &c);
        assert_eq!(p[2], p[4]);
        let k1 = LeidenOptions {
            target_clusters: Some(1),
            ..Default::default()
        };
        let p = leiden(&g, &k1, &Constraints::default());
        assert!(p.iter().all(|&x| x == 0));
    }
}
