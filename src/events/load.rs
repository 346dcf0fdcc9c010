//! Reading and validating a workshop file. Every problem is reported at once, each at
//! its line and column with what to do; the rules are listed in the README
//! ("Event-storming input", validation) and each has its own diagnostic code.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::Workshop;
use crate::decomposition::load::{
    is_safe_text, is_valid_entity_name, is_valid_field_name, is_valid_name, is_valid_route_prefix,
};
use crate::diagnostics::Diagnostic;
use crate::yaml::{self, Positions};

pub use crate::decomposition::load::LoadError;

const FORMAT_HELP: &str = "see \"Event-storming input\" in the README; editors validate and complete the file with src/events/workshop.schema.json";

/// Reads `text` (the contents of `file`) and validates it.
pub fn load_workshop(file: &str, text: &str) -> Result<Workshop, LoadError> {
    let (workshop, positions) = yaml::load::<Workshop>(file, text).map_err(|d| LoadError {
        diagnostics: vec![d.help(FORMAT_HELP)],
    })?;
    let diagnostics = validate(&workshop, file, &positions);
    if diagnostics.is_empty() {
        Ok(workshop)
    } else {
        Err(LoadError { diagnostics })
    }
}

/// A name that becomes a type or message name in generated code: `PascalCase`.
fn is_pascal_case(name: &str) -> bool {
    is_valid_entity_name(name)
}

/// A data (table) name: an ASCII letter, then letters, digits and `_`.
pub fn is_valid_data_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
}

/// A free-text name (actor, policy, read model, external system): not blank, one line.
fn is_valid_label(name: &str) -> bool {
    !name.trim().is_empty() && is_safe_text(name)
}

/// ` (did you mean `X`?)` when a known name is a likely typo of `name`.
fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let limit = (name.chars().count() / 3).max(2);
    known
        .into_iter()
        .map(|k| {
            (
                strsim::levenshtein(&name.to_lowercase(), &k.to_lowercase()),
                k,
            )
        })
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

struct Checker<'a> {
    file: &'a str,
    pos: &'a Positions,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn err(&mut self, path: &str, code: &str, message: String, help: &str) {
        let mut d = self.pos.error(self.file, path, code, message).help(help);
        // Top-level paths that are absent (`aggregates`) have no ancestor: point at the
        // workshop's name, the one key every file has.
        if d.line.is_none()
            && let Some((line, column)) = self.pos.of("workshop")
        {
            d = d.at(line, column);
        }
        self.out.push(d);
    }

    fn line_of(&self, path: &str) -> String {
        match self.pos.of(path) {
            Some((line, _)) => format!("line {line}"),
            None => "above".to_owned(),
        }
    }

    /// Checks names of one kind: valid and unique. Returns name → index of first use.
    fn names<'w>(
        &mut self,
        kind: &str,
        list: &str,
        names: impl Iterator<Item = &'w str>,
        valid: fn(&str) -> bool,
        invalid_help: &str,
    ) -> HashMap<&'w str, usize> {
        let mut seen = HashMap::new();
        for (i, name) in names.enumerate() {
            let path = format!("{list}[{i}].name");
            if !valid(name) {
                self.err(
                    &path,
                    "invalid-name",
                    format!("{kind} name {name:?} is not valid"),
                    invalid_help,
                );
            }
            if let Some(&first) = seen.get(name) {
                let first_at = self.line_of(&format!("{list}[{first}].name"));
                self.err(
                    &path,
                    "duplicate-name",
                    format!("{kind} {name:?} is defined twice (first at {first_at})"),
                    "rename one of them or merge them into one",
                );
            } else {
                seen.insert(name, i);
            }
        }
        seen
    }

    /// Reports `name` at `path` when it is not among `known`.
    fn reference(
        &mut self,
        path: &str,
        code: &str,
        kind: &str,
        name: &str,
        known: &HashMap<&str, usize>,
        help: &str,
    ) -> bool {
        if known.contains_key(name) {
            return true;
        }
        let hint = did_you_mean(name, known.keys().copied());
        self.err(path, code, format!("unknown {kind} {name:?}{hint}"), help);
        false
    }
}

/// Every rule, in document order. See the README for the list.
pub fn validate(w: &Workshop, file: &str, pos: &Positions) -> Vec<Diagnostic> {
    let mut c = Checker {
        file,
        pos,
        out: Vec::new(),
    };
    if !is_valid_name(&w.workshop) {
        c.err(
            "workshop",
            "invalid-name",
            format!("workshop name {:?} is not a valid system name", w.workshop),
            "use lower-case letters, digits and single dashes, starting with a letter (e.g. `shop`): it becomes the decomposition's system name",
        );
    }
    if w.aggregates.is_empty() {
        c.err(
            "aggregates",
            "no-aggregates",
            "the workshop has no aggregates, so there is nothing to place in contexts".to_owned(),
            "list the aggregates under `aggregates:` with the commands they handle",
        );
    }

    let actors = c.names(
        "actor",
        "actors",
        w.actors.iter().map(|a| a.name.as_str()),
        is_valid_label,
        "give the actor a one-line, non-empty name",
    );
    let aggregates = c.names(
        "aggregate",
        "aggregates",
        w.aggregates.iter().map(|a| a.name.as_str()),
        is_pascal_case,
        "use letters and digits starting with a capital (e.g. `OrderLine`): it becomes an entity name",
    );
    let commands = c.names(
        "command",
        "commands",
        w.commands.iter().map(|x| x.name.as_str()),
        is_pascal_case,
        "use letters and digits starting with a capital (e.g. `PlaceOrder`)",
    );
    let events = c.names(
        "event",
        "events",
        w.events.iter().map(|x| x.name.as_str()),
        is_pascal_case,
        "use letters and digits starting with a capital, in the past tense (e.g. `OrderPlaced`)",
    );
    let policies = c.names(
        "policy",
        "policies",
        w.policies.iter().map(|x| x.name.as_str()),
        is_valid_label,
        "give the policy a one-line, non-empty name",
    );
    let read_models = c.names(
        "read model",
        "read_models",
        w.read_models.iter().map(|x| x.name.as_str()),
        is_valid_label,
        "give the read model a one-line, non-empty name",
    );
    let externals = c.names(
        "external system",
        "external_systems",
        w.external_systems.iter().map(|x| x.name.as_str()),
        is_valid_label,
        "give the external system a one-line, non-empty name",
    );
    let contexts = c.names(
        "context",
        "contexts",
        w.contexts.iter().map(|x| x.name.as_str()),
        is_valid_name,
        "use lower-case letters, digits and single dashes, starting with a letter (e.g. `ordering`): it becomes the service name",
    );

    // Contexts a policy or read model may name: the listed ones, or, when none are
    // listed, those the aggregates name.
    let mut known_contexts: HashMap<&str, usize> = contexts.clone();
    if w.contexts.is_empty() {
        for (i, a) in w.aggregates.iter().enumerate() {
            if let Some(ctx) = &a.context {
                known_contexts.entry(ctx).or_insert(i);
            }
        }
    }
    let context_help = if w.contexts.is_empty() {
        "name a context set on an aggregate with `context:`"
    } else {
        "name a context listed under `contexts:`, or add it there"
    };

    // Aggregates: data, placement, team.
    // aggregate → (context, path of the placement)
    let mut placement: BTreeMap<&str, (&str, String)> = BTreeMap::new();
    let mut data_owner: HashMap<&str, usize> = HashMap::new();
    for (i, a) in w.aggregates.iter().enumerate() {
        let mut own = BTreeSet::new();
        for (k, d) in a.data.iter().enumerate() {
            let path = format!("aggregates[{i}].data[{k}]");
            if !is_valid_data_name(&d.name) {
                c.err(
                    &path,
                    "invalid-name",
                    format!("data name {:?} is not a valid table name", d.name),
                    "use letters, digits and `_`, starting with a letter (e.g. `order_line`)",
                );
            }
            if !own.insert(d.name.as_str()) {
                c.err(
                    &path,
                    "duplicate-name",
                    format!(
                        "data {:?} is listed twice in aggregate {:?}",
                        d.name, a.name
                    ),
                    "remove the duplicate",
                );
            }
            data_owner.entry(&d.name).or_insert(i);
            for (f, field) in d.fields.iter().enumerate() {
                if !is_valid_field_name(&field.name) {
                    c.err(
                        &format!("{path}.fields[{f}].name"),
                        "invalid-name",
                        format!("field name {:?} is not a usable snake_case identifier", field.name),
                        "use lower-case letters, digits and `_`, and not a keyword or `id` (the id is generated)",
                    );
                }
            }
        }
        if let Some(ctx) = &a.context {
            let path = format!("aggregates[{i}].context");
            if w.contexts.is_empty() {
                if !is_valid_name(ctx) {
                    c.err(
                        &path,
                        "invalid-name",
                        format!("context name {ctx:?} is not valid"),
                        "use lower-case letters, digits and single dashes, starting with a letter (e.g. `ordering`): it becomes the service name",
                    );
                }
                placement.insert(&a.name, (ctx, path));
            } else if c.reference(
                &path,
                "unknown-context",
                "context",
                ctx,
                &contexts,
                context_help,
            ) {
                placement.insert(&a.name, (ctx, path));
            }
        }
        if let Some(team) = &a.team
            && !is_valid_label(team)
        {
            c.err(
                &format!("aggregates[{i}].team"),
                "invalid-text",
                format!("team {team:?} is blank or contains control characters or template syntax"),
                "use plain one-line text",
            );
        }
    }

    // Contexts: their aggregate lists, texts, routes.
    let mut routes: HashMap<String, usize> = HashMap::new();
    for (j, ctx) in w.contexts.iter().enumerate() {
        for (k, agg) in ctx.aggregates.iter().enumerate() {
            let path = format!("contexts[{j}].aggregates[{k}]");
            if !c.reference(
                &path,
                "unknown-aggregate",
                "aggregate",
                agg,
                &aggregates,
                "name an aggregate listed under `aggregates:`",
            ) {
                continue;
            }
            match placement.get(agg.as_str()) {
                Some((other, other_path)) if *other != ctx.name => {
                    let at = c.line_of(other_path);
                    c.err(
                        &path,
                        "aggregate-in-two-contexts",
                        format!(
                            "aggregate {agg:?} is placed in context {:?} here and in {other:?} at {at}",
                            ctx.name
                        ),
                        "an aggregate is a consistency boundary and belongs to exactly one context: keep one placement",
                    );
                }
                Some(_) => {}
                None => {
                    placement.insert(agg, (&ctx.name, path));
                }
            }
        }
        if let Some(team) = &ctx.team
            && !is_valid_label(team)
        {
            c.err(
                &format!("contexts[{j}].team"),
                "invalid-text",
                format!("team {team:?} is blank or contains control characters or template syntax"),
                "use plain one-line text",
            );
        }
        if !is_safe_text(&ctx.description) {
            c.err(
                &format!("contexts[{j}].description"),
                "invalid-text",
                "description contains control characters or template syntax".to_owned(),
                "use plain text",
            );
        }
        let prefix = ctx
            .route_prefix
            .clone()
            .unwrap_or_else(|| format!("/{}", ctx.name));
        // The default prefix has no node of its own: point at the name it comes from.
        let path = if ctx.route_prefix.is_some() {
            format!("contexts[{j}].route_prefix")
        } else {
            format!("contexts[{j}].name")
        };
        if !is_valid_route_prefix(&prefix) {
            if ctx.route_prefix.is_some() {
                c.err(
                    &path,
                    "invalid-route",
                    format!("route prefix {prefix:?} cannot be used in a Traefik PathPrefix rule"),
                    "use `/` followed by letters, digits, `-`, `_` or `.` segments, without spaces, backticks or a trailing slash (e.g. `/orders`)",
                );
            }
        } else if let Some(&other) = routes.get(&prefix) {
            c.err(
                &path,
                "duplicate-route",
                format!(
                    "route prefix {prefix} is also used by context {:?}",
                    w.contexts[other].name
                ),
                "give every context its own route prefix",
            );
        } else {
            routes.insert(prefix, j);
        }
    }
    for (j, ctx) in w.contexts.iter().enumerate() {
        if !placement.values().any(|(p, _)| *p == ctx.name) {
            c.err(
                &format!("contexts[{j}].name"),
                "empty-context",
                format!("context {:?} has no aggregate", ctx.name),
                "place an aggregate in it (`context:` on the aggregate, or `aggregates:` here), or remove it",
            );
        }
    }
    for (i, a) in w.aggregates.iter().enumerate() {
        let Some((ctx_name, _)) = placement.get(a.name.as_str()) else {
            continue;
        };
        let ctx_team = w
            .contexts
            .iter()
            .find(|x| x.name == *ctx_name)
            .and_then(|x| x.team.as_deref());
        if let (Some(team), Some(ctx_team)) = (a.team.as_deref(), ctx_team)
            && team != ctx_team
        {
            c.err(
                &format!("aggregates[{i}].team"),
                "team-conflict",
                format!(
                    "aggregate {:?} belongs to team {team:?} but its context {ctx_name:?} to team {ctx_team:?}",
                    a.name
                ),
                "one team owns a context and everything in it (Conway's law): align the teams, or move the aggregate to a context of its team",
            );
        }
    }
    // Data shared by aggregates the team placed in different contexts.
    let mut data_context: HashMap<&str, (&str, &str)> = HashMap::new();
    for (i, a) in w.aggregates.iter().enumerate() {
        let Some((ctx, _)) = placement.get(a.name.as_str()) else {
            continue;
        };
        for (k, d) in a.data.iter().enumerate() {
            match data_context.get(d.name.as_str()) {
                Some(&(other_ctx, other_agg)) if other_ctx != *ctx => c.err(
                    &format!("aggregates[{i}].data[{k}]"),
                    "shared-data",
                    format!(
                        "data {:?} belongs to aggregate {other_agg:?} in context {other_ctx:?} and to {:?} in {ctx:?}",
                        d.name, a.name
                    ),
                    "database per service: data has one owner; keep it in one context and let the other use its events or API",
                ),
                Some(_) => {}
                None => {
                    data_context.insert(&d.name, (ctx, &a.name));
                }
            }
        }
    }

    // Commands.
    let mut emitted: BTreeSet<&str> = BTreeSet::new();
    let mut handled: HashMap<&str, String> = HashMap::new();
    for (i, cmd) in w.commands.iter().enumerate() {
        if let Some(actor) = &cmd.actor {
            c.reference(
                &format!("commands[{i}].actor"),
                "unknown-actor",
                "actor",
                actor,
                &actors,
                "name an actor listed under `actors:`, or add it there",
            );
        }
        if let Some(agg) = &cmd.aggregate
            && c.reference(
                &format!("commands[{i}].aggregate"),
                "unknown-aggregate",
                "aggregate",
                agg,
                &aggregates,
                "name an aggregate listed under `aggregates:`, or add it there",
            )
        {
            handled.insert(&cmd.name, format!("aggregate {agg:?}"));
        }
        for (k, e) in cmd.emits.iter().enumerate() {
            c.reference(
                &format!("commands[{i}].emits[{k}]"),
                "unknown-event",
                "event",
                e,
                &events,
                "name an event listed under `events:`, or add it there",
            );
            emitted.insert(e);
        }
        for (k, r) in cmd.reads.iter().enumerate() {
            c.reference(
                &format!("commands[{i}].reads[{k}]"),
                "unknown-read-model",
                "read model",
                r,
                &read_models,
                "name a read model listed under `read_models:`, or add it there",
            );
        }
    }
    for (i, x) in w.external_systems.iter().enumerate() {
        for (k, cmd) in x.receives.iter().enumerate() {
            let path = format!("external_systems[{i}].receives[{k}]");
            if !c.reference(
                &path,
                "unknown-command",
                "command",
                cmd,
                &commands,
                "name a command listed under `commands:`, or add it there",
            ) {
                continue;
            }
            if let Some(other) = handled.get(cmd.as_str()) {
                c.err(
                    &path,
                    "command-handled-twice",
                    format!("command {cmd:?} is already handled by {other}"),
                    "a command has exactly one handler: either an aggregate (`aggregate:`) or one external system (`receives:`)",
                );
            } else {
                handled.insert(cmd, format!("external system {:?}", x.name));
            }
        }
        for (k, e) in x.emits.iter().enumerate() {
            c.reference(
                &format!("external_systems[{i}].emits[{k}]"),
                "unknown-event",
                "event",
                e,
                &events,
                "name an event listed under `events:`, or add it there",
            );
            emitted.insert(e);
        }
    }
    for (i, cmd) in w.commands.iter().enumerate() {
        if cmd.aggregate.is_none() && !handled.contains_key(cmd.name.as_str()) {
            c.err(
                &format!("commands[{i}].name"),
                "unhandled-command",
                format!("command {:?} is handled by nobody", cmd.name),
                "set `aggregate:` to the aggregate that handles it, or list it under an external system's `receives:`",
            );
        }
    }

    // Events.
    for (i, e) in w.events.iter().enumerate() {
        if !emitted.contains(e.name.as_str()) {
            c.err(
                &format!("events[{i}].name"),
                "unemitted-event",
                format!("event {:?} is emitted by no command and no external system", e.name),
                "add it to the `emits:` of the command (or external system) it results from, or remove it",
            );
        }
        if let Some(agg) = &e.aggregate {
            c.reference(
                &format!("events[{i}].aggregate"),
                "unknown-aggregate",
                "aggregate",
                agg,
                &aggregates,
                "name an aggregate listed under `aggregates:`, or remove `aggregate:` to derive it from the commands",
            );
        }
    }

    // Policies and read models.
    for (i, p) in w.policies.iter().enumerate() {
        if p.on.is_empty() || p.issues.is_empty() {
            c.err(
                &format!("policies[{i}].name"),
                "empty-policy",
                format!(
                    "policy {:?} needs an event in `on:` and a command in `issues:`",
                    p.name
                ),
                "a policy reads \"whenever <event>, then <command>\": fill in both",
            );
        }
        for (k, e) in p.on.iter().enumerate() {
            c.reference(
                &format!("policies[{i}].on[{k}]"),
                "unknown-event",
                "event",
                e,
                &events,
                "name an event listed under `events:`, or add it there",
            );
        }
        for (k, cmd) in p.issues.iter().enumerate() {
            c.reference(
                &format!("policies[{i}].issues[{k}]"),
                "unknown-command",
                "command",
                cmd,
                &commands,
                "name a command listed under `commands:`, or add it there",
            );
        }
        if let Some(ctx) = &p.context {
            c.reference(
                &format!("policies[{i}].context"),
                "unknown-context",
                "context",
                ctx,
                &known_contexts,
                context_help,
            );
        }
    }
    for (i, r) in w.read_models.iter().enumerate() {
        for (k, e) in r.from.iter().enumerate() {
            c.reference(
                &format!("read_models[{i}].from[{k}]"),
                "unknown-event",
                "event",
                e,
                &events,
                "name an event listed under `events:`, or add it there",
            );
        }
        if let Some(ctx) = &r.context {
            c.reference(
                &format!("read_models[{i}].context"),
                "unknown-context",
                "context",
                ctx,
                &known_contexts,
                context_help,
            );
        }
    }

    // Hotspots.
    let mut everything: HashMap<&str, usize> = HashMap::new();
    for names in [
        &aggregates,
        &commands,
        &events,
        &policies,
        &read_models,
        &externals,
        &known_contexts,
        &actors,
    ] {
        everything.extend(names.iter().map(|(k, v)| (*k, *v)));
    }
    for (i, h) in w.hotspots.iter().enumerate() {
        if let Some(about) = &h.about {
            c.reference(
                &format!("hotspots[{i}].about"),
                "unknown-name",
                "element",
                about,
                &everything,
                "name an aggregate, command, event, policy, read model, external system, actor or context of this workshop",
            );
        }
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_name_the_closest_known_name() {
        assert_eq!(
            did_you_mean("OrderPlacd", ["OrderPlaced", "OrderShipped"]),
            " (did you mean `OrderPlaced`?)"
        );
        assert_eq!(did_you_mean("Refund", ["OrderPlaced"]), "");
    }

    #[test]
    fn data_names() {
        assert!(is_valid_data_name("order_line"));
        assert!(is_valid_data_name("Order"));
        for bad in ["", "1x", "a-b", "a b", "a.b"] {
            assert!(!is_valid_data_name(bad), "{bad}");
        }
    }
}
