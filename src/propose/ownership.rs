//! Database per service: every table gets exactly one owning context, and every read or
//! write of a table from another context is a violation with its evidence and a remedy.
//!
//! Data first: the owner of a table is the context holding its model; other contexts
//! writing it are violations with a remedy, never a reason to move ownership to a god
//! module. Only when the model's context never touches the table and one other context
//! does every write (at least 3) does that writer own it, and the reason says so. A
//! table without a model in the code goes to the context that writes it most, then
//! reads it most, then the first by name; one nobody touches to the largest context.
//! An edited decomposition.yaml that lists a table under `tables:` decides its owner.

use std::collections::BTreeMap;

use serde::Serialize;

use super::coupling::Coupling;

/// Which rule chose a table's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerRule {
    /// Listed under the context's `tables:` in the decomposition being scored.
    Declared,
    MostWrites,
    /// Nobody writes it, or the writers tie with its model's context among them: the
    /// context holding its model.
    Model,
    /// Writers tie without the model's context (or it has no model): the context
    /// reading it most.
    MostReads,
    /// Still tied: the first context by name.
    FirstByName,
    /// Nobody touches it and it has no model here: the largest context holds it.
    Unused,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableOwnership {
    pub table: String,
    pub owner: String,
    pub rule: OwnerRule,
    /// Write and read occurrences per context.
    pub writes: BTreeMap<String, u32>,
    pub reads: BTreeMap<String, u32>,
    /// Why, in a sentence.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub table: String,
    pub owner: String,
    /// The context reaching into a table it does not own.
    pub context: String,
    /// The unit (module) doing it.
    pub unit: String,
    pub access: &'static str,
    pub count: u32,
    pub evidence: Vec<String>,
    pub remedy: String,
}

/// Reads from another context at least this often call for a local read model rather
/// than synchronous calls.
const FREQUENT_READS: u32 = 3;

/// Owners of every table, and the violations of that ownership.
///
/// `assignment[u]` is the context index of unit `u` (None: unplaced); `declared` maps
/// table → context index for tables listed in an edited file.
pub fn assign(
    coupling: &Coupling,
    assignment: &[Option<usize>],
    names: &[String],
    declared: &BTreeMap<String, usize>,
) -> (Vec<TableOwnership>, Vec<Violation>) {
    let mut sizes = vec![0usize; names.len()];
    for c in assignment.iter().flatten() {
        sizes[*c] += 1;
    }
    let largest = (0..names.len()).max_by(|&a, &b| sizes[a].cmp(&sizes[b]).then(b.cmp(&a)));
    let mut owners = Vec::new();
    let mut owner_of: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &coupling.tables {
        let mut writes: BTreeMap<usize, u32> = BTreeMap::new();
        let mut reads: BTreeMap<usize, u32> = BTreeMap::new();
        for a in coupling.accesses.iter().filter(|a| a.table == t.name) {
            if let Some(c) = assignment[a.unit] {
                *if a.write { &mut writes } else { &mut reads }
                    .entry(c)
                    .or_default() += a.count;
            }
        }
        let model_ctx = t.model.and_then(|m| assignment[m]);
        let (owner, rule) = if let Some(&c) = declared.get(&t.name) {
            (Some(c), OwnerRule::Declared)
        } else {
            decide(&writes, &reads, model_ctx, names)
        };
        let (owner, rule) = match owner {
            Some(o) => (o, rule),
            None => match largest {
                Some(l) => (l, OwnerRule::Unused),
                None => continue,
            },
        };
        let named = |m: &BTreeMap<usize, u32>| -> BTreeMap<String, u32> {
            m.iter().map(|(&c, &n)| (names[c].clone(), n)).collect()
        };
        let reason = match rule {
            OwnerRule::Declared => format!(
                "listed under {}'s tables in the decomposition",
                names[owner]
            ),
            OwnerRule::MostWrites if t.model.is_some() => format!(
                "{} does all {} writes while the context of its model {} never touches it",
                names[owner],
                writes.values().sum::<u32>(),
                t.model
                    .map(|m| coupling.units[m].id.as_str())
                    .unwrap_or("?")
            ),
            OwnerRule::MostWrites => format!(
                "{} writes it most ({} of {} writes)",
                names[owner],
                writes.get(&owner).unwrap_or(&0),
                writes.values().sum::<u32>()
            ),
            OwnerRule::MostReads => format!(
                "writes tie or are absent; {} reads it most ({} of {} reads)",
                names[owner],
                reads.get(&owner).unwrap_or(&0),
                reads.values().sum::<u32>()
            ),
            OwnerRule::Model => match t.model {
                Some(m) if writes.is_empty() && reads.is_empty() => format!(
                    "no code reads or writes it; it follows its model {}",
                    coupling.units[m].id
                ),
                Some(m) => {
                    let elsewhere: u32 = writes
                        .iter()
                        .filter(|(c, _)| **c != owner)
                        .map(|(_, n)| n)
                        .sum();
                    let others = if elsewhere > 0 {
                        format!(
                            "; {elsewhere} of its {} writes come from other contexts (violations with remedies, no claim to own it)",
                            writes.values().sum::<u32>()
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "{} holds its model {}{others}",
                        names[owner], coupling.units[m].id
                    )
                }
                None => "the model's context decides".to_owned(),
            },
            OwnerRule::FirstByName => {
                "reads and writes tie and no model decides; first context by name".to_owned()
            }
            OwnerRule::Unused => format!(
                "no model and no access in the analysed code; placed in the largest context, {}",
                names[owner]
            ),
        };
        owner_of.insert(t.name.as_str(), owner);
        owners.push(TableOwnership {
            table: t.name.clone(),
            owner: names[owner].clone(),
            rule,
            writes: named(&writes),
            reads: named(&reads),
            reason,
        });
    }
    let mut violations = Vec::new();
    for a in &coupling.accesses {
        let (Some(c), Some(&owner)) = (assignment[a.unit], owner_of.get(a.table.as_str())) else {
            continue;
        };
        if c == owner {
            continue;
        }
        let (owner_name, ctx) = (&names[owner], &names[c]);
        let remedy = if a.write {
            format!(
                "move this write behind {owner_name}'s API (a command it exposes), or run it as a saga step with compensation when it must stay consistent with {ctx}'s own writes"
            )
        } else if a.count >= FREQUENT_READS {
            format!(
                "frequent read: subscribe to {owner_name}'s events and keep a read model of {} in {ctx}",
                a.table
            )
        } else {
            format!("call {owner_name}'s API for this read (synchronous query)")
        };
        violations.push(Violation {
            table: a.table.clone(),
            owner: owner_name.clone(),
            context: ctx.clone(),
            unit: coupling.units[a.unit].id.clone(),
            access: if a.write { "writes" } else { "reads" },
            count: a.count,
            evidence: a.evidence.clone(),
            remedy,
        });
    }
    violations.sort_by(|x, y| {
        (&x.context, &x.table, &x.unit, x.access).cmp(&(&y.context, &y.table, &y.unit, y.access))
    });
    (owners, violations)
}

/// Writes of one context that make its claim to a table overwhelming even against the
/// model's own context, when that context never touches the table.
const OVERWHELMING_WRITES: u32 = 3;

fn decide(
    writes: &BTreeMap<usize, u32>,
    reads: &BTreeMap<usize, u32>,
    model_ctx: Option<usize>,
    names: &[String],
) -> (Option<usize>, OwnerRule) {
    let top = |m: &BTreeMap<usize, u32>, among: &[usize]| -> Vec<usize> {
        let max = among
            .iter()
            .map(|c| m.get(c).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        if max == 0 {
            return among.to_vec();
        }
        among
            .iter()
            .copied()
            .filter(|c| m.get(c).copied().unwrap_or(0) == max)
            .collect()
    };
    let mut all: Vec<usize> = writes.keys().chain(reads.keys()).copied().collect();
    all.sort_unstable();
    all.dedup();
    let by_writes = top(writes, &all);
    let written = writes.values().any(|&w| w > 0);
    // Data first: the context holding the model owns its table; a writer elsewhere is
    // a violation to remedy, not a claim. Only when the model's context never touches
    // the table and a single other context does every write (at least
    // OVERWHELMING_WRITES) does the writer own it.
    if let Some(m) = model_ctx {
        let untouched = !all.contains(&m);
        let sole_writer = (writes.len() == 1)
            .then(|| writes.iter().next())
            .flatten()
            .filter(|(_, n)| **n >= OVERWHELMING_WRITES)
            .map(|(&x, _)| x);
        return match sole_writer {
            Some(w) if untouched && w != m => (Some(w), OwnerRule::MostWrites),
            _ => (Some(m), OwnerRule::Model),
        };
    }
    if all.is_empty() {
        return (None, OwnerRule::Model);
    }
    if by_writes.len() == 1 && written {
        return (Some(by_writes[0]), OwnerRule::MostWrites);
    }
    let by_reads = top(reads, &by_writes);
    if by_reads.len() == 1 && !reads.is_empty() {
        return (Some(by_reads[0]), OwnerRule::MostReads);
    }
    let first = by_reads
        .iter()
        .copied()
        .min_by(|&a, &b| names[a].cmp(&names[b]));
    (first, OwnerRule::FirstByName)
}
