//! The analysis caches, one pair per analysed root:
//!
//! - the **facts cache** (this file): a map from (file kind, content hash) to the
//!   facts extracted from a file, so a file whose content is unchanged is not parsed
//!   again;
//! - the **tree snapshot** ([`snapshot`]): the finished graph with the stamp of every
//!   file read, so an unchanged tree is neither read nor linked again.
//!
//! Both are stamped with seam's version and build id, so results made by other code
//! are never reused. Each is read once and written once, atomically (temporary file +
//! rename), so an interrupted run never leaves a corrupt cache; a cache that cannot be
//! read is treated as empty.

pub mod snapshot;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::frontend::Extracted;
use crate::source::FileKind;

/// Changes whenever seam's version or its sources change.
pub const STAMP: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("SEAM_BUILD_ID"));

pub type Key = (FileKind, [u8; 32]);

#[derive(Serialize, Deserialize)]
struct CacheFile<E> {
    stamp: String,
    entries: E,
}

/// The name a cache file of `root` (canonicalised) takes, with `salt` mixed in.
fn root_name(root: &Path, salt: &str) -> String {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    let mut hasher = blake3::Hasher::new();
    hasher.update(root.to_string_lossy().as_bytes());
    if !salt.is_empty() {
        hasher.update(b"\0");
        hasher.update(salt.as_bytes());
    }
    hasher.finalize().to_hex()[..16].to_owned()
}

/// Facts of the files of one root, from the last run and this one.
pub struct FactsCache {
    path: Option<PathBuf>,
    previous: HashMap<Key, Extracted>,
}

impl FactsCache {
    /// A cache that neither reads nor writes anything (`--no-cache`).
    pub fn disabled() -> Self {
        FactsCache {
            path: None,
            previous: HashMap::new(),
        }
    }

    /// Opens the cache for `root` under `dir`, loading what a previous run stored.
    pub fn open(dir: &Path, root: &Path) -> Self {
        let path = dir.join(format!("facts-{}.bin", root_name(root, "")));
        let previous = std::fs::read(&path)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<CacheFile<Vec<(Key, Extracted)>>>(&bytes).ok())
            .filter(|file| file.stamp == STAMP)
            .map(|file| file.entries.into_iter().collect())
            .unwrap_or_default();
        FactsCache {
            path: Some(path),
            previous,
        }
    }

    /// The default cache directory: `$SEAM_CACHE_DIR`, else `$XDG_CACHE_HOME/seam`,
    /// else `~/.cache/seam`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("SEAM_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
            return Some(PathBuf::from(dir).join("seam"));
        }
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("seam"))
    }

    pub fn key(kind: FileKind, bytes: &[u8]) -> Key {
        (kind, *blake3::hash(bytes).as_bytes())
    }

    pub fn get(&self, key: &Key) -> Option<&Extracted> {
        self.previous.get(key)
    }

    /// How many entries the previous run stored.
    pub fn len(&self) -> usize {
        self.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.previous.is_empty()
    }

    pub fn is_enabled(&self) -> bool {
        self.path.is_some()
    }

    /// Replaces the stored cache with exactly these entries (the files of this run).
    pub fn store(&self, entries: &[(Key, Extracted)]) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let bytes = postcard::to_stdvec(&CacheFile {
            stamp: STAMP.to_owned(),
            entries,
        })
        .map_err(std::io::Error::other)?;
        crate::fs::replace(path, &bytes)
    }
}
