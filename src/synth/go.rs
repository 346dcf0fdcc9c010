//! Go output: module `example.com/synth` (`go.mod` requiring GORM); per domain a
//! `models` package (GORM structs embedding `gorm.Model`, a belongs-to association to
//! the previous model, `Migrate` calling `AutoMigrate`) and one package per module whose
//! functions take a `*gorm.DB`, read (`Where(…).Find(&rows)`), write (`Create(&row)`)
//! and call functions of other packages. Imports are aliased `<domain><package>` since
//! package names repeat across domains.

use std::io::{self, Write};

use super::{Output, Plan, SynthTruth, uses_of};
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
