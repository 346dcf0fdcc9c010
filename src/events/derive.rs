//! From a workshop to the decomposition code analysis produces.
//!
//! # Placing aggregates in contexts
//!
//! An aggregate is a consistency boundary: it stays with the commands it handles and
//! the events its commands emit. Between aggregates, links are either
//!
//! - **strong** — the two must change in one transaction, so splitting them would
//!   need a distributed transaction:
//!   1. they list the same `data` (database per service: a table has one owner);
//!   2. a command handled by one emits an event that belongs to the other (the
//!      event's `aggregate:`), or both emit the same event;
//!   3. a `synchronous: true` policy reacts to an event of one by issuing a command
//!      the other handles;
//! - **weak** — asynchronous, eventually consistent: an ordinary policy (event of one,
//!   command of the other), a read model built from events of several aggregates, a
//!   command that consults a read model. Weak links become `consumes`/`depends_on`,
//!   never a reason to merge.
//!
//! Contexts are the connected components of the strong links (union–find, links
//! taken in document order), with the team's placements (`context:` on an aggregate
//! or `aggregates:` on a context) as fixed seeds: two aggregates the team placed in
//! different contexts are never merged, and a strong link between them is reported
//! in both contexts' notes. A component with no placed aggregate becomes a derived
//! context named after its *primary* aggregate (the one handling most commands; the
//! first declared on a tie) in kebab-case English plural: `StockItem` → `stock-items`.
//!
//! # What each context gets
//!
//! `entities` (each aggregate, with the fields of its first `data` item, plus every
//! other data item that has fields), `tables` (its aggregates' data), `commands` (those
//! its aggregates handle), `publishes` (events its commands emit or its aggregates
//! own), `consumes` (events of other contexts or external systems its policies react
//! to or its read models are built from), `depends_on` (the contexts those events,
//! the commands its policies issue and the read models its commands consult come
//! from, with `via` naming them), team and stack (the context's, else its aggregates'
//! team and the workshop's `default_stack`), and notes saying why.
//!
//! A policy lives in the context given by its `context:`, else the one handling the
//! command it issues, else (a command sent to an external system) the one publishing
//! the event it reacts to. A read model lives in its `context:`, else the context of
//! the first command that reads it, else the context publishing most of its events.

use std::collections::{BTreeMap, BTreeSet};

use super::model::Workshop;
use crate::decomposition::load::{is_valid_entity_name, is_valid_name};
use crate::decomposition::{Context, Decomposition, Dependency, Entity};

/// Aggregates grouped into contexts, before the decomposition is filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub contexts: Vec<PlacedContext>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlacedContext {
    pub name: String,
    /// Indices into `Workshop::aggregates`, in declaration order.
    pub aggregates: Vec<usize>,
    /// True when seam grouped it; false when the workshop drew it.
    pub derived: bool,
    /// Why its aggregates sit together (strong links inside it).
    pub links: Vec<String>,
    /// Strong links to aggregates the workshop placed in other contexts.
    pub crossing: Vec<(String, String)>,
}

impl Placement {
    /// The context of aggregate `name`.
    pub fn context_of(&self, w: &Workshop, name: &str) -> Option<&str> {
        let i = w.aggregates.iter().position(|a| a.name == name)?;
        self.contexts
            .iter()
            .find(|c| c.aggregates.contains(&i))
            .map(|c| c.name.as_str())
    }
}

struct UnionFind {
    parent: Vec<usize>,
    fixed: Vec<Option<String>>,
}

impl UnionFind {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Merges the groups of `a` and `b` unless the workshop fixed them in different
    /// contexts; returns whether they are (now) together.
    fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        match (&self.fixed[ra], &self.fixed[rb]) {
            (Some(x), Some(y)) if x != y => false,
            (None, Some(_)) => {
                self.parent[ra] = rb;
                true
            }
            _ => {
                self.parent[rb] = ra;
                true
            }
        }
    }
}

/// The strong links between aggregates, in document order: (a, b, why).
pub fn strong_links(w: &Workshop) -> Vec<(usize, usize, String)> {
    let index = |name: &str| w.aggregates.iter().position(|a| a.name == name);
    let handler = |cmd: &str| {
        w.command(cmd)
            .and_then(|c| c.aggregate.as_deref())
            .and_then(index)
    };
    let mut links = Vec::new();
    // 1. Shared data.
    let mut data_owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, a) in w.aggregates.iter().enumerate() {
        for d in &a.data {
            match data_owner.get(d.name.as_str()) {
                Some(&j) if j != i => links.push((
                    j,
                    i,
                    format!(
                        "{} and {} share data {} (a table has one owner)",
                        w.aggregates[j].name, a.name, d.name
                    ),
                )),
                Some(_) => {}
                None => {
                    data_owner.insert(&d.name, i);
                }
            }
        }
    }
    // 2. Events emitted by one aggregate's command but owned by (or also emitted by) another.
    let mut emitter: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &w.events {
        if let Some(owner) = e.aggregate.as_deref().and_then(index) {
            emitter.insert(&e.name, owner);
        }
    }
    for cmd in &w.commands {
        let Some(a) = cmd.aggregate.as_deref().and_then(index) else {
            continue;
        };
        for e in &cmd.emits {
            match emitter.get(e.as_str()) {
                Some(&b) if b != a => links.push((
                    b,
                    a,
                    format!(
                        "command {} on {} emits {e}, an event of {} (one transaction)",
                        cmd.name, w.aggregates[a].name, w.aggregates[b].name
                    ),
                )),
                Some(_) => {}
                None => {
                    emitter.insert(e, a);
                }
            }
        }
    }
    // 3. Synchronous policies.
    for p in w.policies.iter().filter(|p| p.synchronous) {
        for e in &p.on {
            let Some(&a) = emitter.get(e.as_str()) else {
                continue;
            };
            for cmd in &p.issues {
                if let Some(b) = handler(cmd)
                    && a != b
                {
                    links.push((
                        a,
                        b,
                        format!(
                            "synchronous policy {} turns {e} of {} into {cmd} on {} (one transaction)",
                            p.name, w.aggregates[a].name, w.aggregates[b].name
                        ),
                    ));
                }
            }
        }
    }
    links
}

/// Kebab-case English plural of a `PascalCase` name: `StockItem` → `stock-items`.
pub fn context_name_for(aggregate: &str) -> String {
    let mut kebab = String::new();
    for (i, ch) in aggregate.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            kebab.push('-');
        }
        kebab.push(ch.to_ascii_lowercase());
    }
    let plural = if let Some(stem) = kebab
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if kebab.ends_with(['s', 'x', 'z']) || kebab.ends_with("ch") || kebab.ends_with("sh") {
        format!("{kebab}es")
    } else {
        format!("{kebab}s")
    };
    let mut name: String = plural.chars().take(40).collect();
    while name.ends_with('-') {
        name.pop();
    }
    name
}

/// Groups the aggregates into contexts (see the module documentation).
pub fn place_aggregates(w: &Workshop) -> Placement {
    let n = w.aggregates.len();
    let mut fixed: Vec<Option<String>> = w.aggregates.iter().map(|a| a.context.clone()).collect();
    for c in &w.contexts {
        for name in &c.aggregates {
            if let Some(i) = w.aggregates.iter().position(|a| &a.name == name)
                && fixed[i].is_none()
            {
                fixed[i] = Some(c.name.clone());
            }
        }
    }
    let mut uf = UnionFind {
        parent: (0..n).collect(),
        fixed: fixed.clone(),
    };
    let links = strong_links(w);
    let mut inside: Vec<(usize, String)> = Vec::new();
    let mut crossing: Vec<(usize, usize, String)> = Vec::new();
    for (a, b, why) in links {
        if uf.union(a, b) {
            inside.push((a, why));
        } else {
            crossing.push((a, b, why));
        }
    }
    // `union` keeps a fixed root on top, so a root's `fixed` is its group's context.

    // Contexts the workshop drew, in their order; then those named only on aggregates.
    let mut out: Vec<PlacedContext> = Vec::new();
    let new_ctx = |name: &str, derived: bool, out: &mut Vec<PlacedContext>| {
        if !out.iter().any(|c| c.name == name) {
            out.push(PlacedContext {
                name: name.to_owned(),
                aggregates: Vec::new(),
                derived,
                links: Vec::new(),
                crossing: Vec::new(),
            });
        }
    };
    for c in &w.contexts {
        new_ctx(&c.name, false, &mut out);
    }
    for name in fixed.iter().flatten() {
        new_ctx(name, false, &mut out);
    }
    // Derived groups, by their first aggregate.
    let mut root_ctx: BTreeMap<usize, usize> = BTreeMap::new();
    let taken_prefixes: BTreeSet<String> = w
        .contexts
        .iter()
        .map(|c| {
            c.route_prefix
                .clone()
                .unwrap_or_else(|| format!("/{}", c.name))
        })
        .collect();
    for i in 0..n {
        let r = uf.find(i);
        let ctx = match &uf.fixed[r] {
            Some(name) => out.iter().position(|c| &c.name == name),
            None => root_ctx.get(&r).copied(),
        };
        let ctx = match ctx {
            Some(ctx) => ctx,
            None => {
                let members: Vec<usize> = (0..n).filter(|&j| uf.find(j) == r).collect();
                let handled = |j: usize| {
                    w.commands
                        .iter()
                        .filter(|c| c.aggregate.as_deref() == Some(w.aggregates[j].name.as_str()))
                        .count()
                };
                let primary = members
                    .iter()
                    .copied()
                    .max_by_key(|&j| (handled(j), std::cmp::Reverse(j)))
                    .unwrap_or(i);
                let base = context_name_for(&w.aggregates[primary].name);
                let base = if is_valid_name(&base) {
                    base
                } else {
                    "context".to_owned()
                };
                let mut name = base.clone();
                let mut k = 2;
                while out.iter().any(|c| c.name == name)
                    || taken_prefixes.contains(&format!("/{name}"))
                {
                    name = format!("{base}-{k}");
                    k += 1;
                }
                new_ctx(&name, true, &mut out);
                root_ctx.insert(r, out.len() - 1);
                out.len() - 1
            }
        };
        out[ctx].aggregates.push(i);
    }
    for (a, why) in inside {
        if let Some(c) = out.iter_mut().find(|c| c.aggregates.contains(&a)) {
            c.links.push(why);
        }
    }
    for (a, b, why) in crossing {
        let name_of = |x: usize, out: &[PlacedContext]| {
            out.iter()
                .find(|c| c.aggregates.contains(&x))
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        let (ca, cb) = (name_of(a, &out), name_of(b, &out));
        for (mine, other) in [(&ca, &cb), (&cb, &ca)] {
            if let Some(c) = out.iter_mut().find(|c| &c.name == mine) {
                c.crossing.push((other.clone(), why.clone()));
            }
        }
    }
    Placement { contexts: out }
}

/// Where commands, events, policies and read models live.
struct Homes<'w> {
    /// aggregate name → context name
    aggregate: BTreeMap<&'w str, String>,
    /// command → context of its handling aggregate
    command: BTreeMap<&'w str, String>,
    /// event → contexts publishing it
    publishers: BTreeMap<&'w str, Vec<String>>,
    /// event → external systems emitting it
    external_emitters: BTreeMap<&'w str, Vec<&'w str>>,
    /// command → external system receiving it
    external_receiver: BTreeMap<&'w str, &'w str>,
    policy: Vec<Option<String>>,
    read_model: BTreeMap<&'w str, String>,
}

fn homes<'w>(w: &'w Workshop, placement: &Placement) -> Homes<'w> {
    let mut aggregate = BTreeMap::new();
    for c in &placement.contexts {
        for &i in &c.aggregates {
            aggregate.insert(w.aggregates[i].name.as_str(), c.name.clone());
        }
    }
    let mut command = BTreeMap::new();
    let mut publishers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut publish = |e: &'w str, ctx: &String| {
        let list = publishers.entry(e).or_default();
        if !list.contains(ctx) {
            list.push(ctx.clone());
        }
    };
    for e in &w.events {
        if let Some(ctx) = e.aggregate.as_deref().and_then(|a| aggregate.get(a)) {
            publish(&e.name, ctx);
        }
    }
    for cmd in &w.commands {
        if let Some(ctx) = cmd.aggregate.as_deref().and_then(|a| aggregate.get(a)) {
            command.insert(cmd.name.as_str(), ctx.clone());
            for e in &cmd.emits {
                publish(e, ctx);
            }
        }
    }
    let mut external_emitters: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut external_receiver = BTreeMap::new();
    for x in &w.external_systems {
        for e in &x.emits {
            external_emitters
                .entry(e.as_str())
                .or_default()
                .push(&x.name);
        }
        for c in &x.receives {
            external_receiver
                .entry(c.as_str())
                .or_insert(x.name.as_str());
        }
    }
    let policy = w
        .policies
        .iter()
        .map(|p| {
            p.context
                .clone()
                .or_else(|| {
                    p.issues
                        .iter()
                        .find_map(|c| command.get(c.as_str()).cloned())
                })
                .or_else(|| {
                    p.on.iter()
                        .find_map(|e| publishers.get(e.as_str()).and_then(|l| l.first().cloned()))
                })
        })
        .collect();
    let mut read_model = BTreeMap::new();
    for r in &w.read_models {
        let home = r
            .context
            .clone()
            .or_else(|| {
                w.commands
                    .iter()
                    .filter(|c| c.reads.contains(&r.name))
                    .find_map(|c| command.get(c.name.as_str()).cloned())
            })
            .or_else(|| {
                // The context publishing most of its events; the first such on a tie.
                let mut count: Vec<(String, usize)> = Vec::new();
                for e in &r.from {
                    for ctx in publishers.get(e.as_str()).into_iter().flatten() {
                        match count.iter_mut().find(|(c, _)| c == ctx) {
                            Some((_, n)) => *n += 1,
                            None => count.push((ctx.clone(), 1)),
                        }
                    }
                }
                let best = count.iter().map(|(_, n)| *n).max()?;
                count.into_iter().find(|(_, n)| *n == best).map(|(c, _)| c)
            });
        if let Some(home) = home {
            read_model.insert(r.name.as_str(), home);
        }
    }
    Homes {
        aggregate,
        command,
        publishers,
        external_emitters,
        external_receiver,
        policy,
        read_model,
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// `order_line` → `OrderLine`.
fn pascal_case(snake: &str) -> String {
    snake
        .split(['_', '-'])
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The decomposition of a (validated) workshop. Never panics on an invalid one, but
/// only a workshop [`super::load::load_workshop`] accepts gives a decomposition that
/// loads back without errors.
pub fn decomposition_from_workshop(w: &Workshop, source_file: &str) -> Decomposition {
    let placement = place_aggregates(w);
    let homes = homes(w, &placement);
    let mut d = Decomposition::new(w.workshop.clone());
    d.source.events = Some(source_file.to_owned());
    d.source.generator = Some(format!(
        "seam {} (event storming)",
        env!("CARGO_PKG_VERSION")
    ));

    for placed in &placement.contexts {
        let drawn = w.contexts.iter().find(|c| c.name == placed.name);
        let stack = drawn.and_then(|c| c.stack).unwrap_or(w.default_stack());
        let mut ctx = Context::new(placed.name.clone(), stack);
        let aggs: Vec<&super::model::Aggregate> = placed
            .aggregates
            .iter()
            .map(|&i| &w.aggregates[i])
            .collect();
        let agg_names: Vec<&str> = aggs.iter().map(|a| a.name.as_str()).collect();
        ctx.route_prefix = drawn.and_then(|c| c.route_prefix.clone());
        ctx.description = match drawn.map(|c| c.description.trim()) {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => format!("Aggregates: {}.", agg_names.join(", ")),
        };

        // Why it exists.
        if placed.derived {
            if placed.links.is_empty() {
                ctx.notes.push(format!(
                    "derived from the workshop: aggregate {} has no strong link to another aggregate",
                    agg_names.join(", ")
                ));
            } else {
                ctx.notes.push(format!(
                    "derived from the workshop: aggregates {} are strongly linked",
                    agg_names.join(", ")
                ));
            }
        } else {
            ctx.notes.push(format!(
                "drawn in the workshop with aggregates {}",
                agg_names.join(", ")
            ));
        }
        for why in &placed.links {
            ctx.notes.push(format!("  - {why}"));
        }
        for (other, why) in &placed.crossing {
            ctx.notes.push(format!(
                "strong link to context {other} that the workshop placed apart: {why}; keep them consistent with a saga or merge the contexts"
            ));
        }

        // Team: the drawn context's, else its aggregates' (most common; the first on a tie).
        ctx.team = drawn.and_then(|c| c.team.clone()).or_else(|| {
            let mut teams: Vec<(&str, usize)> = Vec::new();
            for t in aggs.iter().filter_map(|a| a.team.as_deref()) {
                match teams.iter_mut().find(|(x, _)| *x == t) {
                    Some((_, n)) => *n += 1,
                    None => teams.push((t, 1)),
                }
            }
            if teams.len() > 1 {
                ctx.notes.push(format!(
                    "its aggregates belong to several teams ({}): one team should own a service (Conway's law)",
                    teams.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ")
                ));
            }
            let best = teams.iter().map(|(_, n)| *n).max()?;
            teams
                .into_iter()
                .find(|(_, n)| *n == best)
                .map(|(t, _)| t.to_owned())
        });

        // Entities and tables.
        for a in &aggs {
            let root = a.data.first();
            ctx.entities.push(Entity {
                name: a.name.clone(),
                table: root.map(|d| d.name.clone()),
                fields: root.map(|d| d.fields.clone()).unwrap_or_default(),
            });
            for item in &a.data {
                push_unique(&mut ctx.tables, &item.name);
            }
            for item in a.data.iter().skip(1).filter(|d| !d.fields.is_empty()) {
                let name = pascal_case(&item.name);
                if is_valid_entity_name(&name) && !ctx.entities.iter().any(|e| e.name == name) {
                    ctx.entities.push(Entity {
                        name,
                        table: Some(item.name.clone()),
                        fields: item.fields.clone(),
                    });
                }
            }
            for inv in &a.invariants {
                ctx.notes.push(format!("invariant of {}: {inv}", a.name));
            }
        }

        // Commands and published events.
        for cmd in &w.commands {
            if homes.command.get(cmd.name.as_str()) == Some(&ctx.name) {
                push_unique(&mut ctx.commands, &cmd.name);
            }
        }
        for e in &w.events {
            if homes
                .publishers
                .get(e.name.as_str())
                .is_some_and(|l| l.contains(&ctx.name))
            {
                push_unique(&mut ctx.publishes, &e.name);
            }
        }

        // What it consumes and whom it depends on.
        let mut via: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut consume = |ctx: &mut Context, e: &str, why: &str| {
            if ctx.publishes.iter().any(|p| p == e) {
                return;
            }
            push_unique(&mut ctx.consumes, e);
            for publisher in homes.publishers.get(e).into_iter().flatten() {
                if publisher != &ctx.name {
                    push_unique(
                        via.entry(publisher.clone()).or_default(),
                        &format!("event {e} ({why})"),
                    );
                }
            }
            for x in homes.external_emitters.get(e).into_iter().flatten() {
                push_unique(
                    &mut ctx.notes,
                    &format!("consumes {e} from external system {x} ({why})"),
                );
            }
        };
        for (p, home) in w.policies.iter().zip(&homes.policy) {
            if home.as_deref() != Some(ctx.name.as_str()) {
                continue;
            }
            for e in &p.on {
                consume(&mut ctx, e, &format!("policy {}", p.name));
            }
        }
        for r in &w.read_models {
            if homes.read_model.get(r.name.as_str()) != Some(&ctx.name) {
                continue;
            }
            ctx.notes.push(format!(
                "maintains read model {} from {}",
                r.name,
                r.from.join(", ")
            ));
            for e in &r.from {
                consume(&mut ctx, e, &format!("read model {}", r.name));
            }
        }
        for (p, home) in w.policies.iter().zip(&homes.policy) {
            if home.as_deref() != Some(ctx.name.as_str()) {
                continue;
            }
            for cmd in &p.issues {
                match homes.command.get(cmd.as_str()) {
                    Some(other) if other != &ctx.name => push_unique(
                        via.entry(other.clone()).or_default(),
                        &format!("command {cmd} (policy {})", p.name),
                    ),
                    _ => {}
                }
                if let Some(x) = homes.external_receiver.get(cmd.as_str()) {
                    push_unique(
                        &mut ctx.notes,
                        &format!("sends {cmd} to external system {x} (policy {})", p.name),
                    );
                }
            }
        }
        for cmd in &w.commands {
            if homes.command.get(cmd.name.as_str()) != Some(&ctx.name) {
                continue;
            }
            for r in &cmd.reads {
                match homes.read_model.get(r.as_str()) {
                    Some(other) if other != &ctx.name => push_unique(
                        via.entry(other.clone()).or_default(),
                        &format!("read model {r} (command {})", cmd.name),
                    ),
                    _ => {}
                }
            }
        }
        for (other, why) in &placed.crossing {
            push_unique(
                via.entry(other.clone()).or_default(),
                &format!("strong link: {why}"),
            );
        }
        // In context order, for stable output.
        for other in &placement.contexts {
            if let Some(v) = via.remove(&other.name) {
                ctx.depends_on.push(Dependency {
                    context: other.name.clone(),
                    via: v,
                });
            }
        }
        if !ctx.depends_on.is_empty() {
            ctx.notes.push(format!(
                "loosely coupled to {} through events, policies and read models",
                ctx.depends_on
                    .iter()
                    .map(|d| d.context.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        d.contexts.push(ctx);
    }
    attach_hotspots(w, &placement, &homes, &mut d);
    d
}

/// Hotspots become notes of the contexts they are about; those about nothing in
/// particular go to the first context as workshop-wide notes.
fn attach_hotspots(w: &Workshop, placement: &Placement, homes: &Homes, d: &mut Decomposition) {
    for h in &w.hotspots {
        let mut targets: Vec<String> = Vec::new();
        match h.about.as_deref() {
            None => targets.extend(d.contexts.first().map(|c| c.name.clone())),
            Some(about) => {
                let mut add = |c: Option<&String>| {
                    if let Some(c) = c
                        && !targets.contains(c)
                    {
                        targets.push(c.clone());
                    }
                };
                add(homes.aggregate.get(about));
                add(homes.command.get(about));
                add(homes.read_model.get(about));
                for c in homes.publishers.get(about).into_iter().flatten() {
                    add(Some(c));
                }
                if let Some(i) = w.policies.iter().position(|p| p.name == about) {
                    add(homes.policy[i].as_ref());
                }
                if placement.contexts.iter().any(|c| c.name == about) {
                    add(Some(&about.to_owned()));
                }
                // An external system or actor: the contexts whose commands it touches.
                for cmd in &w.commands {
                    let touches = cmd.actor.as_deref() == Some(about)
                        || homes.external_receiver.get(cmd.name.as_str()) == Some(&about);
                    if touches {
                        add(homes.command.get(cmd.name.as_str()));
                    }
                }
            }
        }
        for ctx in d.contexts.iter_mut().filter(|c| targets.contains(&c.name)) {
            match &h.about {
                Some(about) => ctx.notes.push(format!("hotspot about {about}: {}", h.text)),
                None => ctx.notes.push(format!("workshop hotspot: {}", h.text)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_names_are_kebab_plurals() {
        assert_eq!(context_name_for("Order"), "orders");
        assert_eq!(context_name_for("StockItem"), "stock-items");
        assert_eq!(context_name_for("Inventory"), "inventories");
        assert_eq!(context_name_for("Delivery"), "deliveries");
        assert_eq!(context_name_for("Day"), "days");
        assert_eq!(context_name_for("Address"), "addresses");
        assert_eq!(context_name_for("Batch"), "batches");
        assert_eq!(pascal_case("order_line"), "OrderLine");
    }
}
