//! Go output: module `example.com/synth` (`go.mod` requiring GORM); per domain a
//! `models` package (GORM structs embedding `gorm.Model`, a belongs-to association to
//! the previous model, `Migrate` calling `AutoMigrate`) and one package per module whose
//! functions take a `*gorm.DB`, read (`Where(…).Find(&rows)`), write (`Create(&row)`)
//! and call functions of other packages. Imports are aliased `<domain><package>` since
//! package names repeat across domains.
//!
//! Hidden layout ([`write_hidden`]): packages by layer, importing downward only —
//! `handler` → `service` → `repository` → `models`, and `internal/util`. `models` deals
//! the GORM structs over `a.go`, `b.go`…; `repository` holds `type Repository struct{ DB
//! *gorm.DB }` with one method per use case doing its data accesses (about half in
//! `repository.go`, the rest in `extra.go`); `service` has one function per use case
//! calling its repository method, the service function of the use case it calls and a
//! util helper; `handler` one function per use case calling its service function;
//! `cmd/server/main.go` registers every handler.

use std::io::{self, Write};

use super::{Hidden, Output, Plan, SynthTruth, uses_of};
use crate::cluster::SplitMix64;
use crate::frontend::go::naming::gorm_table_name;

pub const MODULE_PATH: &str = "example.com/synth";

fn exported(name: &str) -> String {
    // load_3 → Load3
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for ch in name.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

pub(super) fn write(
    plan: &Plan,
    rng: &mut SplitMix64,
    out: &mut Output,
    truth: &mut SynthTruth,
) -> io::Result<()> {
    out.file("go.mod", |b| {
        put!(
            b,
            "module {MODULE_PATH}\n\ngo 1.22\n\nrequire gorm.io/gorm v1.25.12\n"
        );
    })?;
    for (d, domain) in plan.domains.iter().enumerate() {
        let pkg = format!("{MODULE_PATH}/{domain}/models");
        out.file(&format!("{domain}/models/models.go"), |b| {
            put!(
                b,
                "// Package models holds the {domain} domain's GORM models.\n"
            );
            put!(b, "package models\n\nimport \"gorm.io/gorm\"\n");
            for i in 0..plan.models {
                let name = plan.model_name(d, i);
                put!(
                    b,
                    "\n// {name} is a {domain} record.\ntype {name} struct {{\n"
                );
                put!(b, "\tgorm.Model\n\tName   string\n\tAmount int64\n");
                if i > 0 {
                    let prev = plan.model_name(d, i - 1);
                    put!(b, "\t{prev}ID uint\n\t{prev}   {prev}\n");
                }
                put!(b, "}}\n");
            }
            put!(b, "\n// Migrate creates the {domain} tables.\n");
            put!(
                b,
                "func Migrate(db *gorm.DB) error {{\n\treturn db.AutoMigrate("
            );
            for i in 0..plan.models {
                if i > 0 {
                    put!(b, ", ");
                }
                put!(b, "&{}{{}}", plan.model_name(d, i));
            }
            put!(b, ")\n}}\n");
        })?;
        truth.module_domain.insert(format!("go:{pkg}"), d);
        for i in 0..plan.models {
            let name = plan.model_name(d, i);
            truth.model_domain.insert(format!("{pkg}.{name}"), d);
            truth.table_domain.insert(gorm_table_name(&name), d);
        }
    }
    for d in 0..plan.domains.len() {
        for j in 0..plan.modules {
            let fns = plan.functions_of(d, j, rng);
            let domain = &plan.domains[d];
            let module = plan.module_name(j);
            let (packages, models) = uses_of(&fns);
            // One `models` package per domain.
            let models: std::collections::BTreeSet<usize> =
                models.into_iter().map(|(ad, _)| ad).collect();
            out.file(&format!("{domain}/{module}/{module}.go"), |b| {
                put!(b, "// Package {module} is part of the {domain} domain.\n");
                put!(b, "package {module}\n\nimport (\n\t\"gorm.io/gorm\"\n");
                for &ad in &models {
                    let ad_name = &plan.domains[ad];
                    put!(b, "\t{ad_name}models \"{MODULE_PATH}/{ad_name}/models\"\n");
                }
                for &(cd, cj) in &packages {
                    let (cdn, cm) = (&plan.domains[cd], plan.module_name(cj));
                    put!(b, "\t{cdn}{cm} \"{MODULE_PATH}/{cdn}/{cm}\"\n");
                }
                put!(b, ")\n");
                for (fi, f) in fns.iter().enumerate() {
                    let name = exported(&plan.function_name(fi));
                    put!(b, "\n// {name} works on {domain} data.\n");
                    put!(
                        b,
                        "func {name}(db *gorm.DB, ref int64) int64 {{\n\ttotal := int64(0)\n"
                    );
                    for (ai, &(ad, mi, write)) in f.accesses.iter().enumerate() {
                        let model =
                            format!("{}models.{}", plan.domains[ad], plan.model_name(ad, mi));
                        if write {
                            put!(b, "\trow{ai} := {model}{{Name: \"{name}\", Amount: ref}}\n");
                            put!(b, "\tdb.Create(&row{ai})\n\ttotal++\n");
                        } else {
                            put!(b, "\tvar rows{ai} []{model}\n");
                            put!(b, "\tdb.Where(\"amount >= ?\", ref).Find(&rows{ai})\n");
                            put!(b, "\ttotal += int64(len(rows{ai}))\n");
                        }
                    }
                    if let Some((cd, cj, cf)) = f.call {
                        let (cdn, cm) = (&plan.domains[cd], plan.module_name(cj));
                        put!(
                            b,
                            "\ttotal += {cdn}{cm}.{}(db, ref)\n",
                            exported(&plan.function_name(cf))
                        );
                    }
                    put!(b, "\treturn total\n}}\n");
                }
            })?;
            truth
                .module_domain
                .insert(format!("go:{MODULE_PATH}/{domain}/{module}"), d);
        }
    }
    Ok(())
}

/// Files of the hidden layout's repository package: the god file first.
const REPOSITORY_FILES: [&str; 2] = ["repository.go", "extra.go"];
/// How many files the service and handler packages deal use cases over.
const SERVICE_FILES: usize = 3;
const HANDLER_FILES: usize = 2;

/// `a`, `b`, … `z`, `aa`…: neutral file stems.
fn letters(i: usize) -> String {
    let c = char::from(b'a' + (i % 26) as u8);
    c.to_string().repeat(i / 26 + 1)
}

/// Exported Go name of use case `u`: `load_3` → `Load3`.
fn hidden_name(hidden: &Hidden, u: usize) -> String {
    exported(&hidden.function_name(u))
}

/// Graph id of use case `u`'s repository method, the one that touches the database.
pub(super) fn hidden_member(hidden: &Hidden, u: usize) -> String {
    format!(
        "go:{MODULE_PATH}/repository.Repository.{}",
        hidden_name(hidden, u)
    )
}

/// Graph ids of use case `u`'s service and handler functions.
pub(super) fn hidden_layers(hidden: &Hidden, u: usize) -> [String; 2] {
    let name = hidden_name(hidden, u);
    [
        format!("go:{MODULE_PATH}/service.{name}"),
        format!("go:{MODULE_PATH}/handler.{name}"),
    ]
}

/// GORM's table of model `m`.
pub(super) fn hidden_table(hidden: &Hidden, m: usize) -> String {
    gorm_table_name(&hidden.model_name(m))
}

pub(super) fn write_hidden(
    hidden: &Hidden,
    out: &mut Output,
    truth: &mut SynthTruth,
) -> io::Result<()> {
    out.file("go.mod", |b| {
        put!(
            b,
            "module {MODULE_PATH}\n\ngo 1.22\n\nrequire gorm.io/gorm v1.25.12\n"
        );
    })?;
    out.file("internal/util/util.go", |b| {
        put!(b, "// Package util holds small helpers.\npackage util\n\n");
        put!(b, "// Clamp keeps value within [low, high].\n");
        put!(
            b,
            "func Clamp(value, low, high int64) int64 {{\n\tif value > high {{\n\t\tvalue = high\n\t}}\n\tif value < low {{\n\t\tvalue = low\n\t}}\n\treturn value\n}}\n\n"
        );
        put!(b, "// Scale doubles positive values.\n");
        put!(
            b,
            "func Scale(value int64) int64 {{\n\tif value > 0 {{\n\t\treturn value * 2\n\t}}\n\treturn 0\n}}\n"
        );
    })?;

    // Models.
    for (p, models) in hidden.models_by_file().iter().enumerate() {
        out.file(&format!("models/{}.go", letters(p)), |b| {
            if p == 0 {
                put!(b, "// Package models holds the GORM models.\n");
            }
            put!(b, "package models\n\nimport \"gorm.io/gorm\"\n");
            for &m in models {
                let name = hidden.model_name(m);
                put!(
                    b,
                    "\n// {name} is a record.\ntype {name} struct {{\n\tgorm.Model\n"
                );
                // Aligned as gofmt does.
                let prev = hidden.models[m].previous.map(|p| hidden.model_name(p));
                let w = prev.as_ref().map_or(6, |p| (p.len() + 2).max(6));
                put!(b, "\t{:<w$} string\n\t{:<w$} int64\n", "Name", "Amount");
                if let Some(prev) = prev {
                    put!(
                        b,
                        "\t{:<w$} uint\n\t{prev:<w$} {prev}\n",
                        format!("{prev}ID")
                    );
                }
                put!(b, "}}\n");
            }
        })?;
    }
    out.file("models/migrate.go", |b| {
        put!(b, "package models\n\nimport \"gorm.io/gorm\"\n\n");
        put!(b, "// Migrate creates the tables.\n");
        put!(
            b,
            "func Migrate(db *gorm.DB) error {{\n\treturn db.AutoMigrate("
        );
        for m in 0..hidden.models.len() {
            if m > 0 {
                put!(b, ", ");
            }
            put!(b, "&{}{{}}", hidden.model_name(m));
        }
        put!(b, ")\n}}\n");
    })?;
    for (m, model) in hidden.models.iter().enumerate() {
        let name = hidden.model_name(m);
        truth
            .model_domain
            .insert(format!("{MODULE_PATH}/models.{name}"), model.domain);
        truth
            .table_domain
            .insert(hidden_table(hidden, m), model.domain);
    }

    // Repository: the data accesses of every use case.
    let repo_files = hidden.by_file(REPOSITORY_FILES.len(), |u| {
        hidden.deal(u, REPOSITORY_FILES.len() - 1)
    });
    for (fi, uses) in repo_files.iter().enumerate() {
        if uses.is_empty() && fi > 0 {
            continue;
        }
        out.file(&format!("repository/{}", REPOSITORY_FILES[fi]), |b| {
            if fi == 0 {
                put!(b, "// Package repository reads and writes the database.\n");
            }
            put!(b, "package repository\n\nimport (\n");
            if fi == 0 {
                put!(b, "\t\"gorm.io/gorm\"\n\n");
            }
            if !uses.is_empty() {
                put!(b, "\t\"{MODULE_PATH}/models\"\n");
            }
            put!(b, ")\n");
            if fi == 0 {
                put!(b, "\n// Repository wraps the database handle.\n");
                put!(b, "type Repository struct {{\n\tDB *gorm.DB\n}}\n");
            }
            for &u in uses {
                let name = hidden_name(hidden, u);
                put!(b, "\n// {name} reads and writes rows.\n");
                put!(
                    b,
                    "func (r *Repository) {name}(ref int64) int64 {{\n\ttotal := int64(0)\n"
                );
                for (ai, &(m, write)) in hidden.uses[u].accesses.iter().enumerate() {
                    let model = format!("models.{}", hidden.model_name(m));
                    if write {
                        put!(b, "\trow{ai} := {model}{{Name: \"{name}\", Amount: ref}}\n");
                        put!(b, "\tr.DB.Create(&row{ai})\n\ttotal++\n");
                    } else {
                        put!(b, "\tvar rows{ai} []{model}\n");
                        put!(b, "\tr.DB.Where(\"amount >= ?\", ref).Find(&rows{ai})\n");
                        put!(b, "\ttotal += int64(len(rows{ai}))\n");
                    }
                }
                put!(b, "\treturn total\n}}\n");
            }
        })?;
    }

    // Service: the calls of every use case.
    let service_files = hidden.by_file(SERVICE_FILES, |u| u % SERVICE_FILES);
    for (fi, uses) in service_files.iter().enumerate() {
        if uses.is_empty() {
            continue;
        }
        out.file(&format!("service/{}.go", letters(fi)), |b| {
            if fi == 0 {
                put!(b, "// Package service holds the use cases.\n");
            }
            put!(b, "package service\n\nimport (\n");
            put!(b, "\t\"{MODULE_PATH}/internal/util\"\n");
            put!(b, "\t\"{MODULE_PATH}/repository\"\n)\n");
            for &u in uses {
                let name = hidden_name(hidden, u);
                put!(b, "\n// {name} runs a use case.\n");
                put!(
                    b,
                    "func {name}(r *repository.Repository, ref int64) int64 {{\n\ttotal := r.{name}(ref)\n"
                );
                if let Some(c) = hidden.uses[u].call {
                    put!(b, "\ttotal += {}(r, ref)\n", hidden_name(hidden, c));
                }
                if u % 2 == 0 {
                    put!(b, "\treturn util.Clamp(total, 0, ref)\n}}\n");
                } else {
                    put!(b, "\treturn util.Scale(total)\n}}\n");
                }
            }
        })?;
    }

    // Handlers: one per use case.
    let handler_files = hidden.by_file(HANDLER_FILES, |u| (u / 2) % HANDLER_FILES);
    for (fi, uses) in handler_files.iter().enumerate() {
        if uses.is_empty() {
            continue;
        }
        out.file(&format!("handler/{}.go", letters(fi)), |b| {
            if fi == 0 {
                put!(b, "// Package handler serves the use cases.\n");
            }
            put!(b, "package handler\n\nimport (\n");
            put!(b, "\t\"{MODULE_PATH}/repository\"\n");
            put!(b, "\t\"{MODULE_PATH}/service\"\n)\n");
            for &u in uses {
                let name = hidden_name(hidden, u);
                put!(b, "\n// {name} serves a request.\n");
                put!(
                    b,
                    "func {name}(r *repository.Repository, ref int64) int64 {{\n\treturn service.{name}(r, ref)\n}}\n"
                );
            }
        })?;
    }

    out.file("cmd/server/main.go", |b| {
        put!(b, "// Command server serves the application.\npackage main\n\n");
        put!(b, "import (\n\t\"net/http\"\n\n\t\"gorm.io/gorm\"\n\n");
        put!(b, "\t\"{MODULE_PATH}/handler\"\n");
        put!(b, "\t\"{MODULE_PATH}/models\"\n");
        put!(b, "\t\"{MODULE_PATH}/repository\"\n)\n\n");
        put!(b, "func main() {{\n\tvar db *gorm.DB\n");
        put!(b, "\tif err := models.Migrate(db); err != nil {{\n\t\tpanic(err)\n\t}}\n");
        put!(b, "\trepo := &repository.Repository{{DB: db}}\n");
        put!(b, "\tmux := http.NewServeMux()\n");
        for u in 0..hidden.uses.len() {
            let name = hidden_name(hidden, u);
            put!(
                b,
                "\tmux.HandleFunc(\"/{}\", func(w http.ResponseWriter, req *http.Request) {{\n\t\thandler.{name}(repo, 1)\n\t}})\n",
                hidden.function_name(u).replace('_', "-")
            );
        }
        put!(b, "\tif err := http.ListenAndServe(\":8080\", mux); err != nil {{\n\t\tpanic(err)\n\t}}\n}}\n");
    })?;
    for id in ["cmd/server", "internal/util"] {
        truth.plumbing.insert(format!("go:{MODULE_PATH}/{id}"));
    }

    for (u, case) in hidden.uses.iter().enumerate() {
        truth
            .member_domain
            .insert(hidden_member(hidden, u), case.domain);
        for id in hidden_layers(hidden, u) {
            truth.member_domain.insert(id, case.domain);
        }
    }
    Ok(())
}
