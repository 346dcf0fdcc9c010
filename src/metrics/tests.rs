use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn modularity_of_two_triangles_joined_by_an_edge() {
    // Triangles {0,1,2} and {3,4,5}, edge 2–3: m = 7.
    // Each triangle: e_c = 3, K_c = 2·3 + 1 = 7.
    // Q = 2 · (3/7 − (7/14)²) = 6/7 − 1/2 = 5/14.
    let mut g = WeightedGraph::new(6);
    for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)] {
        g.add_edge(a, b, 1.0);
    }
    assert!(close(modularity(&g, &[0, 0, 0, 1, 1, 1], 1.0), 5.0 / 14.0));
    // One cluster: e = 7, K = 14 → 7/7 − 1 = 0.
    assert!(close(modularity(&g, &[0; 6], 1.0), 0.0));
    // γ = 2: 2 · (3/7 − 2 · 1/4) = 6/7 − 1 = −1/7.
    assert!(close(modularity(&g, &[0, 0, 0, 1, 1, 1], 2.0), -1.0 / 7.0));
}

#[test]
fn modularity_counts_self_loops_once_inside_and_twice_in_strength() {
    // Self-loop of weight 2 on 0, edge 0–1 of weight 1: m = 3, k0 = 5, k1 = 1.
    // {0},{1}: 2/3 − (5/6)² − (1/6)² = 2/3 − 26/36 = −1/18.
    let mut g = WeightedGraph::new(2);
    g.add_edge(0, 0, 2.0);
    g.add_edge(0, 1, 1.0);
    assert!(close(modularity(&g, &[0, 1], 1.0), -1.0 / 18.0));
}

#[test]
fn mojo_of_one_move() {
    // A = {1,2,3},{4,5,6}; B = {1,2},{3,4,5,6} (objects 0..6 here).
    // A0 ∩ B0 = 2, A0 ∩ B1 = 1 → 1 move; A1 ⊆ B1 → 0 moves; groups B0, B1 → 0 joins.
    let a = [0, 0, 0, 1, 1, 1];
    let b = [0, 0, 1, 1, 1, 1];
    assert_eq!(mno(&a, &b), 1);
    assert_eq!(mno(&b, &a), 1);
    assert_eq!(mojo(&a, &b), 1);
    // max(mno(∀A, B)): sizes [2, 4] → g = 2 → 6 − 2 = 4. MoJoFM = (1 − 1/4)·100 = 75.
    assert_eq!(max_mno(&b), 4);
    assert!(close(mojofm(&a, &b), 75.0));
}

#[test]
fn mojo_needs_the_matching_when_tags_tie() {
    // A = {0,1},{2,3}; B = {0,2},{1,3}: every A cluster ties between B0 and B1.
    // Moves: 1 + 1. A greedy first-tag choice puts both in group B0 (1 join, mno 3); the
    // matching gives A0→B0, A1→B1: 0 joins, mno 2.
    let a = [0, 0, 1, 1];
    let b = [0, 1, 0, 1];
    assert_eq!(mno(&a, &b), 2);
    // max: sizes [2, 2] → g = 2 → 4 − 2 = 2; MoJoFM = 0.
    assert!(close(mojofm(&a, &b), 0.0));
}

#[test]
fn mojo_joins_and_extremes() {
    // A all singletons, B one cluster of 4: 0 moves, 4 − 1 = 3 joins.
    assert_eq!(mno(&[0, 1, 2, 3], &[7, 7, 7, 7]), 3);
    // A one cluster, B singletons: 3 moves, 0 joins.
    assert_eq!(mno(&[7, 7, 7, 7], &[0, 1, 2, 3]), 3);
    // max to singletons: sizes [1,1,1,1] → g = 1 → 3; to one cluster: g = 1 → 3.
    assert_eq!(max_mno(&[0, 1, 2, 3]), 3);
    assert_eq!(max_mno(&[5, 5, 5, 5]), 3);
    // Identical up to renaming: 100.
    assert!(close(mojofm(&[3, 3, 9, 9], &[0, 0, 1, 1]), 100.0));
    // One object: nothing can differ.
    assert!(close(mojofm(&[0], &[4]), 100.0));
    // Sizes 1,2,3,4,5,6,7,8,10,10,10,15 (MoJoCalculator's comment): g = 11.
    let mut b = Vec::new();
    for (c, size) in [1, 2, 3, 4, 5, 6, 7, 8, 10, 10, 10, 15].iter().enumerate() {
        b.extend(std::iter::repeat_n(c, *size));
    }
    assert_eq!(max_mno(&b), b.len() - 11);
}

/// Five units: service 0 = {0,1,2}, service 1 = {3,4}.
const PARTITION: [usize; 5] = [0, 0, 0, 1, 1];
const CALLS: [(usize, usize, f64); 8] = [
    (0, 1, 2.0),
    (1, 2, 1.0),
    (2, 0, 1.0),
    (3, 4, 1.0),
    (1, 3, 3.0),
    (4, 0, 1.0),
    (2, 2, 1.0), // self-call: not a pair between units
    (0, 4, 1.0),
];

#[test]
fn structural_modularity_by_hand() {
    // μ0 = |{0→1, 1→2, 2→0}| = 3, N0 = 3 → scoh0 = 3/9 = 1/3.
    // μ1 = |{3→4}| = 1, N1 = 2 → scoh1 = 1/4.
    // σ01 = |{1→3, 4→0, 0→4}| = 3 → scop01 = 3 / (2·3·2) = 1/4.
    // SM = (1/3 + 1/4)/2 − (1/4)/1 = 7/24 − 6/24 = 1/24.
    assert!(close(structural_modularity(&PARTITION, &CALLS), 1.0 / 24.0));
    // One service: cohesion only: μ = 7 distinct pairs (0→1, 1→2, 2→0, 3→4, 1→3, 4→0,
    // 0→4), N = 5 → 7/25.
    assert!(close(structural_modularity(&[0; 5], &CALLS), 7.0 / 25.0));
    assert_eq!(structural_modularity(&[], &[]), 0.0);
}

#[test]
fn icp_by_hand() {
    // All weight: 2+1+1+1+3+1+1+1 = 11; across: 1→3 (3) + 4→0 (1) + 0→4 (1) = 5.
    assert!(close(icp(&PARTITION, &CALLS), 5.0 / 11.0));
    assert_eq!(icp(&PARTITION, &[]), 0.0);
}

#[test]
fn ifn_by_hand() {
    // Service 0's units called from service 1: {0} (4→0). Service 1's: {3, 4}.
    // IFN = (1 + 2) / 2 = 1.5.
    let per = interface_units(&PARTITION, &CALLS);
    assert_eq!(per[&0], vec![0]);
    assert_eq!(per[&1], vec![3, 4]);
    assert!(close(ifn(&PARTITION, &CALLS), 1.5));
}

#[test]
fn ned_by_hand() {
    // Sizes 3, 6, 25 → only 6 is in [5, 20]: NED = 1 − 6/34 = 28/34.
    let mut p = vec![0; 3];
    p.extend(vec![1; 6]);
    p.extend(vec![2; 25]);
    assert!(close(ned(&p, NED_MIN, NED_MAX), 28.0 / 34.0));
    assert_eq!(ned(&[], NED_MIN, NED_MAX), 0.0);
}

#[test]
fn table_access_entropy_and_shared_tables_by_hand() {
    // Contexts {0,1} and {2}: K = 2.
    // Table 0: unit 0 writes 1, unit 2 reads 1 → p = (1/2, 1/2) → H = ln2/ln2 = 1.
    // Table 1: unit 1 writes 3 → H = 0. Mean = 1/2.
    let p = [0, 0, 1];
    let acc = [(0, 0, true, 1.0), (2, 0, false, 1.0), (1, 1, true, 3.0)];
    assert!(close(table_access_entropy(&p, &acc), 0.5));
    assert_eq!(shared_tables(&p, &acc), vec![0]);
    assert_eq!(shared_table_count(&p, &acc), 1);
    // Three contexts: table 0 spread evenly over 3 → 1; table 1 over 2 → ln2/ln3.
    let p = [0, 1, 2];
    let acc = [
        (0, 0, false, 1.0),
        (1, 0, false, 1.0),
        (2, 0, true, 1.0),
        (0, 1, false, 2.0),
        (1, 1, false, 2.0),
    ];
    let expected = (1.0 + 2f64.ln() / 3f64.ln()) / 2.0;
    assert!(close(table_access_entropy(&p, &acc), expected));
    // One context: nothing can be shared.
    assert_eq!(table_access_entropy(&[0, 0, 0], &acc), 0.0);
}

#[test]
fn cyclic_dependencies_are_sccs_of_more_than_one_context() {
    // 0→1→2→0 and 3⇄4, linked by 2→3 (one way: separate cycles); 4→4 and 7→1 ignored.
    let edges = [
        (0, 1),
        (1, 2),
        (2, 0),
        (3, 4),
        (4, 3),
        (2, 3),
        (4, 4),
        (7, 1),
    ];
    assert_eq!(
        cyclic_dependencies(5, &edges),
        vec![vec![0, 1, 2], vec![3, 4]]
    );
    assert!(cyclic_dependencies(3, &[(0, 1), (1, 2)]).is_empty());
}

#[test]
fn loc_status_against_the_guidance() {
    let per = loc_per_context(&[0, 0, 1, 2, 3], &[500, 400, 1000, 10_001, 10_000]);
    assert_eq!(per[&0], (900, LocStatus::TooSmall));
    assert_eq!(per[&1], (1000, LocStatus::Ok));
    assert_eq!(per[&2], (10_001, LocStatus::TooLarge));
    assert_eq!(per[&3], (10_000, LocStatus::Ok));
    assert_eq!(LocStatus::TooLarge.as_str(), "too_large");
}
