//! DESIGN.md's import directions and STYLE.md's file sizes, checked on the real tree.

use std::fs;

use gregor_tidy::{internal_dependencies, rust_files, workspace_root};

/// Which of our crates each crate may depend on (DESIGN.md "Import direction"):
/// `protocol` imports nothing of ours; `log` knows nothing of the network, ZooKeeper or the
/// controller (it uses the protocol's record batches); `network` hands protocol frames to a
/// service; `zk` is the ZooKeeper layer and knows no Kafka wire or log code; `client` speaks
/// the protocol to brokers and knows nothing of the broker's insides; the controller never
/// touches the log and reaches brokers only over the Kafka protocol.
const ALLOWED: &[(&str, &[&str])] = &[
    ("gregor-protocol", &[]),
    ("gregor-log", &["gregor-protocol"]),
    ("gregor-network", &["gregor-protocol"]),
    ("gregor-zk", &[]),
    ("gregor-client", &["gregor-protocol"]),
    (
        "gregor-controller",
        &["gregor-protocol", "gregor-client", "gregor-zk"],
    ),
    (
        "gregor-tools",
        &[
            "gregor-protocol",
            "gregor-client",
            "gregor-coordinator",
            "gregor-zk",
            "gregor-log",
        ],
    ),
    ("gregor-coordinator", &["gregor-protocol"]),
    ("gregor-tidy", &[]),
];

/// STYLE.md aims at files under 400 lines; past this hard limit a file must be split.
const MAX_FILE_LINES: usize = 1000;

#[test]
fn crates_import_only_in_the_design_direction() {
    let crates_dir = workspace_root().join("crates");
    let mut checked = 0;
    for entry in fs::read_dir(&crates_dir).expect("crates/ exists").flatten() {
        let manifest_path = entry.path().join("Cargo.toml");
        let Ok(manifest) = fs::read_to_string(&manifest_path) else {
            continue;
        };
        let name = manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = "))
            .map(|n| n.trim_matches('"').to_string())
            .expect("package name");
        let allowed = ALLOWED
            .iter()
            .find(|(krate, _)| *krate == name)
            .map(|(_, deps)| *deps);
        let Some(allowed) = allowed else {
            // The broker crate sits on top of everything; new crates must be added above.
            assert_eq!(
                name, "gregor",
                "crate {name} has no entry in tidy's ALLOWED table"
            );
            continue;
        };
        for dep in internal_dependencies(&manifest) {
            assert!(
                allowed.contains(&dep.as_str()),
                "{name} depends on {dep}, which DESIGN.md's import direction forbids"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 3,
        "expected to check the workspace crates, checked {checked}"
    );
}

#[test]
fn source_files_stay_small() {
    let root = workspace_root().join("crates");
    let mut too_long = Vec::new();
    let files = rust_files(&root);
    assert!(
        !files.is_empty(),
        "no Rust files found under {}",
        root.display()
    );
    for file in files {
        let lines = fs::read_to_string(&file)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines > MAX_FILE_LINES {
            too_long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(
        too_long.is_empty(),
        "files over {MAX_FILE_LINES} lines: {too_long:?}"
    );
}
