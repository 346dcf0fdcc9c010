//! Stamps the binary with a hash of its own sources, so the facts cache is invalidated
//! whenever the code that produced the facts changes (not only on version bumps).

use std::hash::{Hash, Hasher};
use std::path::Path;

fn hash_dir(dir: &Path, hasher: &mut std::collections::hash_map::DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_dir(&path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            path.to_string_lossy().hash(hasher);
            bytes.hash(hasher);
        }
    }
}

/// Embeds every file under `templates/` in the binary: `OUT_DIR/templates.rs` holds
/// `TEMPLATES: &[(&str, &str)]`, (path relative to `templates/`, contents).
fn embed_templates() {
    fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    println!("cargo:rerun-if-changed=templates");
    let mut files = Vec::new();
    collect(Path::new("templates"), &mut files);
    files.sort();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut code = String::from("pub static TEMPLATES: &[(&str, &str)] = &[\n");
    for file in files {
        let rel = file.strip_prefix("templates").expect("under templates/");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let abs = Path::new(&manifest).join(&file);
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            abs.to_string_lossy()
        ));
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("templates.rs");
    std::fs::write(out, code).expect("write templates.rs");
}

fn main() {
    embed_templates();
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hash_dir(Path::new("src"), &mut hasher);
    if let Ok(lock) = std::fs::read("Cargo.lock") {
        lock.hash(&mut hasher);
    }
    println!("cargo:rustc-env=SEAM_BUILD_ID={:016x}", hasher.finish());
}
