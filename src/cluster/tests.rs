use super::*;
use crate::metrics::{modularity, mojofm};
use proptest::prelude::*;

/// `count` cliques of `size` nodes (weight 1), clique i joined to clique i+1 by one edge
/// (a ring when `ring`, a chain otherwise).
fn cliques(count: usize, size: usize, ring: bool) -> WeightedGraph {
    let mut g = WeightedGraph::new(count * size);
    for c in 0..count {
        for i in 0..size {
            for j in i + 1..size {
                g.add_edge(c * size + i, c * size + j, 1.0);
            }
        }
        if ring || c + 1 < count {
            g.add_edge(c * size, ((c + 1) % count) * size + 1, 1.0);
        }
    }
    g
}

fn truth(count: usize, size: usize) -> Vec<usize> {
    (0..count * size).map(|v| v / size).collect()
}

fn assert_dense(p: &[usize]) {
    let k = p.iter().copied().max().map_or(0, |m| m + 1);
    let mut seen = vec![false; k];
    for &c in p {
        seen[c] = true;
    }
    assert!(seen.iter().all(|&s| s), "cluster ids are not dense: {p:?}");
}

fn same_partition(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && mojofm(a, b) == 100.0
}

/// Every cluster induces a connected subgraph (the Leiden guarantee).
fn assert_connected(g: &WeightedGraph, p: &[usize]) {
    let n = g.node_count();
    let mut seen = vec![false; n];
    let mut roots_per_cluster = std::collections::HashMap::new();
    for s in 0..n {
        if seen[s] {
            continue;
        }
        *roots_per_cluster.entry(p[s]).or_insert(0) += 1;
        seen[s] = true;
        let mut stack = vec![s];
        while let Some(v) = stack.pop() {
            for &(u, _) in g.neighbors(v) {
                if !seen[u] && p[u] == p[v] {
                    seen[u] = true;
                    stack.push(u);
                }
            }
        }
    }
    for (c, roots) in roots_per_cluster {
        assert_eq!(roots, 1, "cluster {c} is not connected");
    }
}

#[test]
fn weighted_graph_sums_parallel_edges_and_counts_self_loops_twice() {
    let mut g = WeightedGraph::new(3);
    g.add_edge(0, 1, 1.0);
    g.add_edge(1, 0, 2.0);
    g.add_edge(2, 2, 1.5);
    g.add_edge(0, 2, f64::NAN); // ignored
    g.add_edge(0, 2, -1.0); // ignored
    assert_eq!(g.neighbors(0), &[(1, 3.0)]);
    assert_eq!(g.neighbors(2), &[(2, 1.5)]);
    assert_eq!(g.strength(0), 3.0);
    assert_eq!(g.strength(2), 3.0);
    // m = 3 + 1.5; Σ strength = 3 + 3 + 3 = 2m
    assert_eq!(g.total_weight(), 4.5);
}

#[test]
fn two_cliques_joined_by_a_bridge_give_two_clusters() {
    let g = cliques(2, 5, false);
    let p = leiden(&g, &LeidenOptions::default(), &Constraints::default());
    assert_eq!(p, truth(2, 5));
}

#[test]
fn ring_of_cliques_gives_one_cluster_per_clique() {
    let g = cliques(8, 6, true);
    let p = leiden(&g, &LeidenOptions::default(), &Constraints::default());
    assert!(same_partition(&p, &truth(8, 6)), "{p:?}");
    assert_connected(&g, &p);
    // The planted partition is the modularity optimum here; the result reaches it.
    let q = modularity(&g, &p, 1.0);
    assert!((q - modularity(&g, &truth(8, 6), 1.0)).abs() < 1e-12);
}

#[test]
fn same_seed_same_output() {
    let g = random_graph(120, 600, 3);
    let opts = LeidenOptions {
        seed: 11,
        ..Default::default()
    };
    let a = leiden(&g, &opts, &Constraints::default());
    let b = leiden(&g, &opts, &Constraints::default());
    assert_eq!(a, b);
}

#[test]
fn target_clusters_merges_and_splits_to_k() {
    let g = cliques(8, 6, true);
    for k in [1, 2, 4, 8, 10, 20] {
        let opts = LeidenOptions {
            target_clusters: Some(k),
            ..Default::default()
        };
        let p = leiden(&g, &opts, &Constraints::default());
        assert_dense(&p);
        assert_eq!(p.iter().max().unwrap() + 1, k, "target {k}: {p:?}");
    }
    // 4 from 8 cliques in a ring: pairs of neighbouring cliques, never split cliques.
    let opts = LeidenOptions {
        target_clusters: Some(4),
        ..Default::default()
    };
    let p = leiden(&g, &opts, &Constraints::default());
    for c in 0..8 {
        let first = p[c * 6];
        assert!((0..6).all(|i| p[c * 6 + i] == first), "clique {c} split");
    }
}

#[test]
fn target_beyond_the_node_count_stops_at_singletons() {
    let g = cliques(2, 3, false);
    let opts = LeidenOptions {
        target_clusters: Some(50),
        ..Default::default()
    };
    let p = leiden(&g, &opts, &Constraints::default());
    assert_eq!(p, vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn fixed_labels_join_and_separate_and_number_clusters() {
    let g = cliques(2, 5, false);
    // Node 9 (second clique) pinned with node 0 (first clique) under label 1; node 1
    // (first clique) pinned to label 0, apart from node 0.
    let mut fixed = vec![None; 10];
    fixed[0] = Some(1);
    fixed[9] = Some(1);
    fixed[1] = Some(0);
    let c = Constraints {
        fixed,
        ..Default::default()
    };
    let p = leiden(&g, &LeidenOptions::default(), &c);
    assert_dense(&p);
    assert_eq!(p[0], 1, "label 1 → cluster 1: {p:?}");
    assert_eq!(p[9], 1);
    assert_eq!(p[1], 0, "label 0 → cluster 0: {p:?}");
}

#[test]
fn fixed_labels_never_merge_under_a_target() {
    let g = cliques(2, 5, false);
    let mut fixed = vec![None; 10];
    fixed[0] = Some(0);
    fixed[5] = Some(1);
    let c = Constraints {
        fixed,
        ..Default::default()
    };
    let opts = LeidenOptions {
        target_clusters: Some(1),
        ..Default::default()
    };
    let p = leiden(&g, &opts, &c);
    assert_ne!(p[0], p[5]);
    assert_eq!(p, truth(2, 5), "closest to 1 the labels allow is 2");
}

#[test]
fn must_link_and_cannot_link_are_honoured() {
    let g = cliques(2, 5, false);
    let c = Constraints {
        must_link: vec![(2, 7)],
        cannot_link: vec![(3, 4)],
        ..Default::default()
    };
    let p = leiden(&g, &LeidenOptions::default(), &c);
    assert_dense(&p);
    assert_eq!(p[2], p[7]);
    assert_ne!(p[3], p[4]);
    let opts = LeidenOptions {
        target_clusters: Some(1),
        ..Default::default()
    };
    let p = leiden(&g, &opts, &c);
    assert_ne!(
        p[3], p[4],
        "cannot-link holds even when merging to a target"
    );
}

#[test]
fn conflicting_constraints_are_listed_and_resolved() {
    let mut fixed = vec![None; 4];
    fixed[0] = Some(0);
    fixed[1] = Some(1);
    let c = Constraints {
        fixed,
        must_link: vec![(0, 1), (2, 3), (9, 0)],
        cannot_link: vec![(2, 3)],
    };
    let conflicts = check_constraints(4, &c);
    assert_eq!(
        conflicts,
        vec![
            ConstraintConflict::LabelsLinked { a: 0, b: 1 },
            ConstraintConflict::NodeOutOfRange { node: 9, nodes: 4 },
            ConstraintConflict::CannotLinkLinked { a: 2, b: 3 },
        ]
    );
    let mut g = WeightedGraph::new(4);
    g.add_edge(0, 1, 1.0);
    g.add_edge(1, 2, 1.0);
    let p = leiden(&g, &LeidenOptions::default(), &c);
    assert_ne!(p[0], p[1]);
    assert_eq!(p[2], p[3]);
}

#[test]
fn graph_without_edges_gives_singletons() {
    let g = WeightedGraph::new(4);
    let p = leiden(&g, &LeidenOptions::default(), &Constraints::default());
    assert_eq!(p, vec![0, 1, 2, 3]);
    let empty = WeightedGraph::new(0);
    assert!(leiden(&empty, &LeidenOptions::default(), &Constraints::default()).is_empty());
}

/// A deterministic random graph with `edges` edges of weight 1..=3.
fn random_graph(n: usize, edges: usize, seed: u64) -> WeightedGraph {
    let mut r = SplitMix64::new(seed);
    let mut g = WeightedGraph::new(n);
    for _ in 0..edges {
        let (a, b) = (r.below(n), r.below(n));
        g.add_edge(a, b, 1.0 + r.below(3) as f64);
    }
    g
}

/// Planted partition: `k` groups of `size` nodes; each pair inside a group is linked
/// with probability `p_in`, across groups with `p_out`; weights 1..=4 (noise on the
/// weights too).
fn planted(k: usize, size: usize, p_in: f64, p_out: f64, seed: u64) -> (WeightedGraph, Vec<usize>) {
    let n = k * size;
    let mut r = SplitMix64::new(seed);
    let mut g = WeightedGraph::new(n);
    for a in 0..n {
        for b in a + 1..n {
            let p = if a / size == b / size { p_in } else { p_out };
            if r.next_f64() < p {
                g.add_edge(a, b, 1.0 + r.below(4) as f64);
            }
        }
    }
    (g, (0..n).map(|v| v / size).collect())
}

#[test]
fn every_cluster_is_connected_on_random_graphs() {
    for seed in 0..20 {
        let g = random_graph(80, 160, seed);
        let p = leiden(
            &g,
            &LeidenOptions {
                seed,
                ..Default::default()
            },
            &Constraints::default(),
        );
        assert_dense(&p);
        assert_connected(&g, &p);
    }
}

#[test]
fn planted_partitions_are_recovered_at_moderate_noise() {
    // 6 groups of 30; expected degree inside 29 × 0.3 ≈ 8.7, outside 150 × 0.02 = 3:
    // a quarter of each node's edges leave its group.
    for seed in 0..5 {
        let (g, truth) = planted(6, 30, 0.3, 0.02, seed);
        let p = leiden(
            &g,
            &LeidenOptions {
                seed,
                ..Default::default()
            },
            &Constraints::default(),
        );
        let score = mojofm(&p, &truth);
        assert!(score >= 95.0, "seed {seed}: MoJoFM {score}");
        assert_connected(&g, &p);
    }
}

#[test]
fn leiden_beats_or_matches_the_planted_partition_quality() {
    let (g, truth) = planted(6, 30, 0.3, 0.05, 9);
    let p = leiden(&g, &LeidenOptions::default(), &Constraints::default());
    assert!(modularity(&g, &p, 1.0) >= modularity(&g, &truth, 1.0) - 1e-9);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn output_is_a_valid_dense_partition_honouring_constraints(
        n in 0usize..40,
        edges in proptest::collection::vec((0usize..40, 0usize..40, 0.0f64..5.0), 0..120),
        seed in any::<u64>(),
        resolution in 0.05f64..4.0,
        target in proptest::option::of(1usize..12),
        labels in proptest::collection::vec(proptest::option::of(0usize..3), 0..40),
        must in proptest::collection::vec((0usize..40, 0usize..40), 0..4),
        cannot in proptest::collection::vec((0usize..40, 0usize..40), 0..4),
    ) {
        let mut g = WeightedGraph::new(n);
        for &(a, b, w) in &edges {
            if a < n && b < n {
                g.add_edge(a, b, w);
            }
        }
        let fixed = if labels.len() >= n && n > 0 { labels[..n].to_vec() } else { Vec::new() };
        let c = Constraints { fixed, must_link: must, cannot_link: cannot };
        let opts = LeidenOptions { resolution, seed, target_clusters: target, max_iterations: 3 };
        let p = leiden(&g, &opts, &c);
        prop_assert_eq!(p.len(), n);
        assert_dense(&p);
        if check_constraints(n, &c).is_empty() {
            for &(a, b) in &c.cannot_link {
                prop_assert_ne!(p[a], p[b]);
            }
            for &(a, b) in &c.must_link {
                prop_assert_eq!(p[a], p[b]);
            }
            for a in 0..c.fixed.len() {
                for b in 0..c.fixed.len() {
                    if let (Some(x), Some(y)) = (c.fixed[a], c.fixed[b]) {
                        prop_assert_eq!(x == y, p[a] == p[b]);
                    }
                }
            }
        }
        prop_assert_eq!(p.clone(), leiden(&g, &opts, &c));
    }
}

#[test]
fn from_edges_is_add_edge_in_turn() {
    let edges = [
        (0, 1, 1.0),
        (1, 0, 2.0),
        (2, 2, 1.5),
        (0, 2, f64::NAN),
        (0, 2, -1.0),
        (3, 1, 0.5),
        (1, 3, 0.25),
        (0, 3, 4.0),
    ];
    let mut one_by_one = WeightedGraph::new(4);
    for &(a, b, w) in &edges {
        one_by_one.add_edge(a, b, w);
    }
    let at_once = WeightedGraph::from_edges(4, edges);
    for i in 0..4 {
        assert_eq!(at_once.neighbors(i), one_by_one.neighbors(i), "node {i}");
        assert_eq!(at_once.strength(i), one_by_one.strength(i), "node {i}");
    }
    assert_eq!(at_once.total_weight(), one_by_one.total_weight());
}
