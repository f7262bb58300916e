//! Tree checks that keep the architecture of `shared/DESIGN.md` honest.
//!
//! The crate has no code of its own beyond these helpers; its tests read the workspace's
//! manifests and sources as text.

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The `gregor-*` packages named in the `[dependencies]` table of a manifest
/// (dev-dependencies are allowed to reach further, e.g. test harnesses).
pub fn internal_dependencies(manifest: &str) -> Vec<String> {
    let mut in_dependencies = false;
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if !in_dependencies {
            continue;
        }
        if let Some(name) = line.split(['=', ' ', '.']).next() {
            if name.starts_with("gregor-") {
                found.push(name.to_string());
            }
        }
    }
    found
}

/// Every `.rs` file below `dir`, recursively.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::internal_dependencies;

    #[test]
    fn dev_dependencies_are_not_counted() {
        let manifest = "[package]\nname = \"x\"\n[dependencies]\ngregor-protocol = { path = \"../protocol\" }\nbytes = \"1\"\n[dev-dependencies]\ngregor-zk = { path = \"../zk\" }\n";
        assert_eq!(internal_dependencies(manifest), vec!["gregor-protocol"]);
    }
}
