//! The event-storming workshop as written in `workshop.yaml`: the stickies of a
//! big-picture / process-level event storming (actors, commands, aggregates, domain
//! events, policies, read models, external systems, hotspots) and, optionally, the
//! bounded contexts the team drew around them.
//!
//! Every struct refuses unknown fields so that a typo (`emit:` for `emits:`) is an
//! error at its line instead of silently ignored data. Lists of names accept a bare
//! name where a mapping is allowed (`actors: [Customer]`, `events: [OrderPlaced]`),
//! and single-valued policy fields accept one name or a list (`on: OrderPlaced`).
//!
//! The JSON Schema `workshop.schema.json` describes the same format for editors; a
//! test checks that it lists exactly the fields of these types. Serialisation writes
//! every field (no skipping) so that test can see them all.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::decomposition::{Field, Stack};

/// A whole workshop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workshop {
    /// Name of the system: becomes the decomposition's `system` (lower-case letters,
    /// digits and single dashes, starting with a letter).
    pub workshop: String,
    /// What the workshop covered (informative).
    #[serde(default)]
    pub description: String,
    /// Stack of every context that does not choose one (default `go`).
    #[serde(default)]
    pub default_stack: Option<Stack>,
    /// People or roles who issue commands (yellow stickies).
    #[serde(default, deserialize_with = "names_or_mappings")]
    pub actors: Vec<Actor>,
    /// Consistency boundaries that handle commands and emit events (pale yellow).
    #[serde(default)]
    pub aggregates: Vec<Aggregate>,
    /// Intentions to change the system (blue).
    #[serde(default)]
    pub commands: Vec<Command>,
    /// Domain events: facts that happened (orange).
    #[serde(default, deserialize_with = "names_or_mappings")]
    pub events: Vec<Event>,
    /// Reactions: "whenever <event>, then <command>" (lilac).
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// Views built from events that people or commands consult (green).
    #[serde(default)]
    pub read_models: Vec<ReadModel>,
    /// Systems outside the one being designed that receive commands or emit events (pink).
    #[serde(default)]
    pub external_systems: Vec<ExternalSystem>,
    /// Bounded contexts the team drew; derived from the aggregates when absent.
    #[serde(default)]
    pub contexts: Vec<WorkshopContext>,
    /// Open questions and problems raised during the workshop (red/purple stickies).
    #[serde(default, deserialize_with = "names_or_mappings")]
    pub hotspots: Vec<Hotspot>,
}

/// A person or role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// An aggregate: the unit of consistency that handles commands and emits events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregate {
    /// `PascalCase` name (`Order`); becomes the context's entity.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The data (entities / tables) it owns; the first one is the aggregate root's.
    #[serde(default, deserialize_with = "names_or_mappings")]
    pub data: Vec<DataItem>,
    /// The context it belongs to (must be listed under `contexts:` when that is given).
    #[serde(default)]
    pub context: Option<String>,
    /// The team that owns it.
    #[serde(default)]
    pub team: Option<String>,
    /// Business rules it must always keep (informative; written as notes).
    #[serde(default)]
    pub invariants: Vec<String>,
}

/// One piece of data an aggregate owns: a table in the target service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataItem {
    /// `snake_case` table or entity name (`order_line`).
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Its attributes, as in `decomposition.yaml` (`{name, type, references?}`).
    #[serde(default)]
    pub fields: Vec<Field>,
}

/// A command: handled by an aggregate, or sent to an external system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Command {
    /// `PascalCase` name (`PlaceOrder`).
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Who issues it (omit for commands only policies issue).
    #[serde(default)]
    pub actor: Option<String>,
    /// The aggregate that handles it (omit when an external system receives it).
    #[serde(default)]
    pub aggregate: Option<String>,
    /// Events it results in.
    #[serde(default, deserialize_with = "one_or_many")]
    pub emits: Vec<String>,
    /// Read models consulted to decide on it.
    #[serde(default, deserialize_with = "one_or_many")]
    pub reads: Vec<String>,
}

/// A domain event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// `PascalCase` name in the past tense (`OrderPlaced`).
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The aggregate it belongs to; derived from the commands that emit it when absent.
    #[serde(default)]
    pub aggregate: Option<String>,
}

/// A policy: whenever one of `on` happens, issue `issues`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The event(s) it reacts to.
    #[serde(deserialize_with = "one_or_many")]
    pub on: Vec<String>,
    /// The command(s) it issues.
    #[serde(deserialize_with = "one_or_many")]
    pub issues: Vec<String>,
    /// True when the command runs in the same transaction as the event (a domain-event
    /// handler inside one consistency boundary): a strong link. Default: asynchronous.
    #[serde(default)]
    pub synchronous: bool,
    /// The context it lives in; by default the context that handles its command.
    #[serde(default)]
    pub context: Option<String>,
}

/// A read model (projection) built from events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadModel {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The events it is built from.
    #[serde(default, deserialize_with = "one_or_many")]
    pub from: Vec<String>,
    /// The context that maintains it; by default the context of the first command that
    /// reads it, else the context publishing most of its events.
    #[serde(default)]
    pub context: Option<String>,
}

/// A system outside the one being designed (payment provider, carrier, e-mail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalSystem {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Commands sent to it.
    #[serde(default, deserialize_with = "one_or_many")]
    pub receives: Vec<String>,
    /// Events it emits back.
    #[serde(default, deserialize_with = "one_or_many")]
    pub emits: Vec<String>,
}

/// A bounded context drawn in the workshop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkshopContext {
    /// Service name: lower-case letters, digits and single dashes (`ordering`).
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The team that owns it (Conway's law: one team per service).
    #[serde(default)]
    pub team: Option<String>,
    /// `go`, `django` or `rust`; the workshop's `default_stack` when absent.
    #[serde(default)]
    pub stack: Option<Stack>,
    /// Traefik `PathPrefix`; `/<name>` when absent.
    #[serde(default)]
    pub route_prefix: Option<String>,
    /// Aggregates placed here (alternatively, set `context:` on the aggregate).
    #[serde(default)]
    pub aggregates: Vec<String>,
}

/// A hotspot: an open question or problem, optionally about one named element.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hotspot {
    /// The question or problem.
    pub text: String,
    /// The name of the aggregate, command, event, policy, read model, external system
    /// or context it is about.
    #[serde(default)]
    pub about: Option<String>,
}

/// Types written either as a bare name or as a mapping.
pub trait FromName {
    fn from_name(name: String) -> Self;
}

impl FromName for Actor {
    fn from_name(name: String) -> Self {
        Actor {
            name,
            ..Default::default()
        }
    }
}

impl FromName for DataItem {
    fn from_name(name: String) -> Self {
        DataItem {
            name,
            ..Default::default()
        }
    }
}

impl FromName for Event {
    fn from_name(name: String) -> Self {
        Event {
            name,
            ..Default::default()
        }
    }
}

impl FromName for Hotspot {
    fn from_name(text: String) -> Self {
        Hotspot { text, about: None }
    }
}

/// One list element: a bare string, or the full mapping (whose errors keep their line).
struct NameOr<T>(T);

impl<'de, T: Deserialize<'de> + FromName> Deserialize<'de> for NameOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + FromName> Visitor<'de> for V<T> {
            type Value = NameOr<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a name or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NameOr(T::from_name(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(NameOr)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

fn names_or_mappings<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + FromName,
{
    let items = Vec::<NameOr<T>>::deserialize(d)?;
    Ok(items.into_iter().map(|n| n.0).collect())
}

/// One name or a list of names.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a name or a list of names")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_owned()])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(name) = seq.next_element::<String>()? {
                out.push(name);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

impl Workshop {
    pub fn aggregate(&self, name: &str) -> Option<&Aggregate> {
        self.aggregates.iter().find(|a| a.name == name)
    }

    pub fn command(&self, name: &str) -> Option<&Command> {
        self.commands.iter().find(|c| c.name == name)
    }

    /// The stack of contexts that do not choose one: `default_stack`, else Go.
    ///
    /// A workshop says nothing about implementation; Go is the default because a
    /// generated Go service is one static binary with the smallest footprint, and
    /// the product's guidance reserves Django for CRUD/admin-heavy contexts, which a
    /// team marks explicitly with `stack: django`.
    pub fn default_stack(&self) -> Stack {
        self.default_stack.unwrap_or(Stack::Go)
    }
}
