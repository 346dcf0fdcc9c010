//! The language-neutral plan of the hidden layout: the by-domain plan's use cases and
//! models, renumbered by a seeded permutation so that numbers, names and files say
//! nothing of the domain.

use super::{FnSpec, Plan};
use crate::cluster::SplitMix64;

/// Neutral model nouns: none belongs to a business domain more than another.
const NOUNS: &[&str] = &[
    "Ledger", "Record", "Lot", "Note", "Slot", "Rule", "Event", "Plan", "Quote", "Channel",
    "Profile", "Token", "Bundle", "Marker", "Window", "Voucher", "Folio", "Docket", "Card",
    "Stamp", "Packet", "Item", "Ticket", "Parcel",
];

/// Verbs of use-case names.
const VERBS: &[&str] = &[
    "load", "sync", "apply", "compute", "refresh", "validate", "export", "archive",
];

/// Models per file of a models package (F = max(2, ⌈models / this⌉)).
const MODELS_PER_FILE: usize = 6;

/// Salt of the permutation's PRNG, so that the use cases' draws stay those of the
/// by-domain layout for the same seed.
const SHUFFLE_SALT: u64 = 0x4849_4444_454E;

/// One use case: a function (per layer in Go) that makes the by-domain plan's call and
/// data accesses, renumbered.
pub(super) struct UseCase {
    pub domain: usize,
    /// The use case it calls (its number).
    pub call: Option<usize>,
    /// (model number, is_write)
    pub accesses: Vec<(usize, bool)>,
}

pub(super) struct Model {
    pub domain: usize,
    /// The previous model of its domain (its number): the foreign key's target.
    pub previous: Option<usize>,
}

/// Use cases and models by number.
pub(super) struct Hidden {
    pub uses: Vec<UseCase>,
    pub models: Vec<Model>,
}

fn permutation(n: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut p);
    p
}

impl Hidden {
    /// Draws the use cases from `rng` exactly as the by-domain writers do (domain by
    /// domain, module by module), then numbers use cases and models with permutations
    /// drawn from a PRNG of its own seeded from `seed`.
    pub fn new(plan: &Plan, rng: &mut SplitMix64, seed: u64) -> Hidden {
        let d = plan.domains.len();
        let specs: Vec<Vec<FnSpec>> = (0..d)
            .flat_map(|di| (0..plan.modules).map(move |j| (di, j)))
            .map(|(di, j)| plan.functions_of(di, j, rng))
            .collect();
        let mut shuffle = SplitMix64::new(seed ^ SHUFFLE_SALT);
        let model_no = permutation(d * plan.models, &mut shuffle);
        let use_no = permutation(d * plan.modules * plan.functions, &mut shuffle);
        let model_of = |md: usize, mi: usize| model_no[md * plan.models + mi];
        let use_of = |ud: usize, uj: usize, uf: usize| {
            use_no[(ud * plan.modules + uj) * plan.functions + uf]
        };

        let mut models: Vec<Option<Model>> = (0..model_no.len()).map(|_| None).collect();
        for md in 0..d {
            for mi in 0..plan.models {
                models[model_of(md, mi)] = Some(Model {
                    domain: md,
                    previous: (mi > 0).then(|| model_of(md, mi - 1)),
                });
            }
        }
        let mut uses: Vec<Option<UseCase>> = (0..use_no.len()).map(|_| None).collect();
        for (k, fns) in specs.into_iter().enumerate() {
            let (ud, uj) = (k / plan.modules, k % plan.modules);
            for (uf, f) in fns.into_iter().enumerate() {
                uses[use_of(ud, uj, uf)] = Some(UseCase {
                    domain: ud,
                    call: f.call.map(|(cd, cj, cf)| use_of(cd, cj, cf)),
                    accesses: f
                        .accesses
                        .into_iter()
                        .map(|(ad, ai, write)| (model_of(ad, ai), write))
                        .collect(),
                });
            }
        }
        Hidden {
            uses: uses
                .into_iter()
                .map(|u| u.expect("a permutation"))
                .collect(),
            models: models
                .into_iter()
                .map(|m| m.expect("a permutation"))
                .collect(),
        }
    }

    /// CamelCase name of model `m`: a noun, with a round number past the list.
    pub fn model_name(&self, m: usize) -> String {
        let noun = NOUNS[m % NOUNS.len()];
        match m / NOUNS.len() {
            0 => noun.to_owned(),
            round => format!("{noun}{round}"),
        }
    }

    /// snake_case name of use case `u`: `<verb>_<u>`, unique in the monolith.
    pub fn function_name(&self, u: usize) -> String {
        format!("{}_{u}", VERBS[u % VERBS.len()])
    }

    /// How many files the models are dealt over.
    pub fn model_files(&self) -> usize {
        self.models.len().div_ceil(MODELS_PER_FILE).max(2)
    }

    /// The file (0-based) of model `m`: round robin.
    pub fn model_file(&self, m: usize) -> usize {
        m % self.model_files()
    }

    /// The file of use case `u` among a god file (0, about half of the use cases) and
    /// `rest` others (1..=rest, round robin).
    pub fn deal(&self, u: usize, rest: usize) -> usize {
        let god = self.uses.len().div_ceil(2);
        if u < god || rest == 0 {
            0
        } else {
            1 + (u - god) % rest
        }
    }

    /// Use cases of each of `files` files, by number: file of use case `u` is
    /// `file_of(u)`.
    pub fn by_file(&self, files: usize, file_of: impl Fn(usize) -> usize) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); files];
        for u in 0..self.uses.len() {
            out[file_of(u)].push(u);
        }
        out
    }

    /// Models of each file, by number.
    pub fn models_by_file(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.model_files()];
        for m in 0..self.models.len() {
            out[self.model_file(m)].push(m);
        }
        out
    }
}
