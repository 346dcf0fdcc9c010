//! The record of what `seam scaffold` generated in an output directory:
//! `DIR/.seam-scaffold.json`, like copier's answers file or cruft's `.cruft.json`.
//!
//! For every generated file it keeps the hash of the contents seam wrote, so a re-run
//! can tell a file seam may update (its hash still matches) from one the user edited
//! (it does not), and which context it belongs to, so files of a context that left the
//! decomposition can be reported.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = ".seam-scaffold.json";
pub const FORMAT_NAME: &str = "seam-scaffold";
pub const FORMAT_VERSION: u32 = 1;
/// Owner of the system-level files (compose, Traefik config, KV seed, run-local).
pub const SYSTEM_OWNER: &str = "(system)";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// The seam that last wrote the directory.
    pub seam_version: String,
    /// blake3 of the decomposition file the directory was last generated from.
    pub decomposition_hash: String,
    /// Generated files by path relative to the output directory (`/`-separated).
    pub files: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// blake3 (hex) of the contents seam last wrote or found identical.
    pub hash: String,
    /// The context the file belongs to, or [`SYSTEM_OWNER`].
    pub owner: String,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            seam_version: env!("CARGO_PKG_VERSION").to_owned(),
            decomposition_hash: String::new(),
            files: BTreeMap::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: cannot read the scaffold manifest: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: the scaffold manifest is not valid ({message})\n  help: restore it from version control, or delete it to treat every existing file as the user's own (re-run with --force to overwrite them)"
    )]
    Invalid { path: String, message: String },
}

pub fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

impl Manifest {
    /// The manifest of `dir`, or an empty one when the directory was never scaffolded.
    pub fn load(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(FILE_NAME);
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(source) => {
                return Err(ManifestError::Read {
                    path: shown,
                    source,
                });
            }
        };
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| ManifestError::Invalid {
                path: shown.clone(),
                message: e.to_string(),
            })?;
        if manifest.format != FORMAT_NAME || manifest.version > FORMAT_VERSION {
            return Err(ManifestError::Invalid {
                path: shown,
                message: format!(
                    "format {:?} version {}, this seam reads {FORMAT_NAME:?} up to version {FORMAT_VERSION}",
                    manifest.format, manifest.version
                ),
            });
        }
        Ok(manifest)
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest serialises");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_manifest_is_empty_and_a_broken_one_is_an_error_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), Manifest::default());
        std::fs::write(dir.path().join(FILE_NAME), "{ not json").unwrap();
        let err = Manifest::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains(FILE_NAME) && err.contains("help:"), "{err}");
    }

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::default();
        m.files.insert(
            "orders/main.go".into(),
            FileEntry {
                hash: hash(b"x"),
                owner: "orders".into(),
            },
        );
        std::fs::write(dir.path().join(FILE_NAME), m.to_json()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), m);
    }
}
