//! The workshop JSON Schema (`src/events/workshop.schema.json`) against the Rust model:
//! every fixture validates, typos are rejected, and the schema lists exactly the
//! fields the model has, so the two cannot drift.
//!
//! The validator here implements the subset of JSON Schema 2020-12 the schema uses
//! (`type`, `properties`, `required`, `additionalProperties: false`, `items`, `oneOf`,
//! local `$ref`, `enum`, `pattern`, `minLength`, `maxLength`) and refuses any other
//! keyword, so the schema cannot rely on something this test would silently skip.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use seam::events::WORKSHOP_SCHEMA;
use serde_json::Value;

const ANNOTATIONS: &[&str] = &["$schema", "$id", "title", "description", "$defs"];

struct Validator<'s> {
    root: &'s Value,
    /// Object schemas (by pointer) that validated an instance → the keys seen there.
    seen: BTreeMap<String, BTreeSet<String>>,
}

impl<'s> Validator<'s> {
    fn validate(
        &mut self,
        schema: &'s Value,
        ptr: &str,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let obj = schema.as_object().expect("schemas are objects");
        for key in obj.keys() {
            let known = ANNOTATIONS.contains(&key.as_str())
                || [
                    "type",
                    "properties",
                    "required",
                    "additionalProperties",
                    "items",
                    "oneOf",
                    "$ref",
                    "enum",
                    "pattern",
                    "minLength",
                    "maxLength",
                ]
                .contains(&key.as_str());
            assert!(
                known,
                "schema keyword {key} at {ptr} is not supported by this test"
            );
        }
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let name = r.strip_prefix("#/$defs/").expect("local $ref");
            let target = &self.root["$defs"][name];
            assert!(target.is_object(), "dangling $ref {r}");
            self.validate(target, &format!("#/$defs/{name}"), value, at, errors);
        }
        if let Some(ty) = obj.get("type").and_then(Value::as_str) {
            let ok = match ty {
                "string" => value.is_string(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                "boolean" => value.is_boolean(),
                other => panic!("type {other} not supported"),
            };
            if !ok {
                errors.push(format!("{at}: expected {ty}, found {value}"));
                return;
            }
        }
        if let Some(options) = obj.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {options:?}"));
        }
        if let Some(s) = value.as_str() {
            if let Some(p) = obj.get("pattern").and_then(Value::as_str)
                && !regex::Regex::new(p).unwrap().is_match(s)
            {
                errors.push(format!("{at}: {s:?} does not match {p}"));
            }
            if let Some(n) = obj.get("minLength").and_then(Value::as_u64)
                && (s.chars().count() as u64) < n
            {
                errors.push(format!("{at}: shorter than {n}"));
            }
            if let Some(n) = obj.get("maxLength").and_then(Value::as_u64)
                && (s.chars().count() as u64) > n
            {
                errors.push(format!("{at}: longer than {n}"));
            }
        }
        if let (Some(items), Some(list)) = (obj.get("items"), value.as_array()) {
            for (i, item) in list.iter().enumerate() {
                self.validate(
                    items,
                    &format!("{ptr}/items"),
                    item,
                    &format!("{at}[{i}]"),
                    errors,
                );
            }
        }
        if let Some(map) = value.as_object() {
            let props = obj.get("properties").and_then(Value::as_object);
            for req in obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !map.contains_key(req.as_str().unwrap()) {
                    errors.push(format!("{at}: missing {req}"));
                }
            }
            if let Some(props) = props {
                self.seen
                    .entry(ptr.to_owned())
                    .or_default()
                    .extend(map.keys().cloned());
                for (k, v) in map {
                    match props.get(k) {
                        Some(s) => self.validate(
                            s,
                            &format!("{ptr}/properties/{k}"),
                            v,
                            &format!("{at}.{k}"),
                            errors,
                        ),
                        None if obj.get("additionalProperties") == Some(&Value::Bool(false)) => {
                            errors.push(format!("{at}: unknown property {k}"))
                        }
                        None => {}
                    }
                }
            }
        }
        if let Some(branches) = obj.get("oneOf").and_then(Value::as_array) {
            let mut passing = Vec::new();
            for (i, branch) in branches.iter().enumerate() {
                let mut sub = Validator {
                    root: self.root,
                    seen: BTreeMap::new(),
                };
                let mut errs = Vec::new();
                sub.validate(branch, &format!("{ptr}/oneOf/{i}"), value, at, &mut errs);
                if errs.is_empty() {
                    passing.push(sub.seen);
                }
            }
            if passing.len() == 1 {
                for (k, v) in passing.pop().unwrap() {
                    self.seen.entry(k).or_default().extend(v);
                }
            } else {
                errors.push(format!(
                    "{at}: {} branches of oneOf match {value}",
                    passing.len()
                ));
            }
        }
    }
}

fn schema() -> Value {
    serde_json::from_str(WORKSHOP_SCHEMA).expect("the schema is JSON")
}

fn check(schema: &Value, doc: &Value) -> (Vec<String>, BTreeMap<String, BTreeSet<String>>) {
    let mut v = Validator {
        root: schema,
        seen: BTreeMap::new(),
    };
    let mut errors = Vec::new();
    v.validate(schema, "#", doc, "$", &mut errors);
    (errors, v.seen)
}

fn yaml_file(rel: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_schema_is_draft_2020_12_with_descriptions() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    for key in s["properties"].as_object().unwrap().keys() {
        assert!(
            s["properties"][key]["description"].is_string(),
            "top-level {key} has no description for editor completion"
        );
    }
}

#[test]
fn every_valid_fixture_validates_against_the_schema() {
    let s = schema();
    for rel in [
        "fixtures/events/shop-workshop.yaml",
        "fixtures/events/shop-workshop-derived.yaml",
        "fixtures/events/combined-workshop.yaml",
    ] {
        let (errors, _) = check(&s, &yaml_file(rel));
        assert!(errors.is_empty(), "{rel}: {errors:#?}");
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects_structurally() {
    let s = schema();
    for (rel, fragment) in [
        (
            "fixtures/events/invalid/unknown-field.yaml",
            "unknown property emit",
        ),
        ("fixtures/events/invalid/wrong-type.yaml", "cobol"),
        (
            "fixtures/events/invalid/invalid-context-name.yaml",
            "Ordering_Service",
        ),
        (
            "fixtures/events/invalid/invalid-aggregate-name.yaml",
            "order line",
        ),
        (
            "fixtures/events/invalid/invalid-workshop-name.yaml",
            "My Shop",
        ),
        ("fixtures/events/invalid/invalid-route.yaml", "/orders/`x`"),
    ] {
        let (errors, _) = check(&s, &yaml_file(rel));
        assert!(
            errors.iter().any(|e| e.contains(fragment)),
            "{rel}: {errors:#?}"
        );
    }
}

/// Every field of every type set, so that the serialised form shows them all.
const EVERYTHING: &str = "\
workshop: shop
description: d
default_stack: go
actors: [{name: A, description: d}]
aggregates:
  - name: Order
    description: d
    data: [{name: order, description: d, fields: [{name: total, type: ref, references: Order}]}]
    context: ordering
    team: t
    invariants: [x]
commands:
  - {name: Place, description: d, actor: A, aggregate: Order, emits: [Placed], reads: [View]}
  - {name: Tell, description: d}
events: [{name: Placed, description: d, aggregate: Order}, {name: Told}]
policies:
  - {name: P, description: d, on: [Placed], issues: [Tell], synchronous: false, context: ordering}
read_models: [{name: View, description: d, from: [Placed], context: ordering}]
external_systems: [{name: X, description: d, receives: [Tell], emits: [Told]}]
contexts:
  - {name: ordering, description: d, team: t, stack: go, route_prefix: /orders, aggregates: [Order]}
hotspots: [{text: t, about: Order}]
";

fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[test]
fn the_schema_lists_exactly_the_fields_of_the_model() {
    let w = seam::events::load_workshop("everything.yaml", EVERYTHING)
        .unwrap_or_else(|e| panic!("{e}"));
    // The model serialises every field (none is skipped), so this shows them all.
    let mut doc = serde_json::to_value(&w).unwrap();
    drop_nulls(&mut doc); // `None` is written as null, in YAML it is an absent key
    let s = schema();
    let (errors, seen) = check(&s, &doc);
    // No model field is missing from the schema (additionalProperties: false)…
    assert!(errors.is_empty(), "{errors:#?}");
    // …and every object schema was reached and has no property the model lacks.
    let mut object_schemas = vec!["#".to_owned()];
    for (name, def) in s["$defs"].as_object().unwrap() {
        if def.get("properties").is_some() {
            object_schemas.push(format!("#/$defs/{name}"));
        }
        for (i, branch) in def
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if branch.get("properties").is_some() {
                object_schemas.push(format!("#/$defs/{name}/oneOf/{i}"));
            }
        }
    }
    for ptr in object_schemas {
        let mut node = &s;
        for part in ptr
            .trim_start_matches('#')
            .split('/')
            .filter(|p| !p.is_empty())
        {
            node = match node {
                Value::Array(a) => &a[part.parse::<usize>().unwrap()],
                _ => &node[part],
            };
        }
        let declared: BTreeSet<String> = node["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let model = seen
            .get(&ptr)
            .unwrap_or_else(|| panic!("{ptr} is never reached by the model"));
        assert_eq!(&declared, model, "{ptr}: schema properties vs model fields");
    }
}
