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

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hash_dir(Path::new("src"), &mut hasher);
    if let Ok(lock) = std::fs::read("Cargo.lock") {
        lock.hash(&mut hasher);
    }
    println!("cargo:rustc-env=SEAM_BUILD_ID={:016x}", hasher.finish());
}
