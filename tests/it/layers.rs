//! The architecture as a check, not a sentence: the core crate names no runtime, database,
//! web or window crate and touches no clock, file or thread; the modules above it form
//! layers (doors → services → setup → store/charts/sim/import → config → core) with no
//! import cycle among them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_crate_depends_on_no_runtime_database_web_or_window_crate() {
    let manifest: toml::Table = toml::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("src-tauri/core/Cargo.toml")).unwrap(),
    )
    .unwrap();
    let deps: Vec<&String> = ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|k| manifest.get(*k).and_then(|d| d.as_table()))
        .flat_map(|t| t.keys())
        .collect();
    assert!(
        deps.iter().any(|d| *d == "chrono"),
        "read the wrong manifest: {deps:?}"
    );
    for banned in [
        "tauri",
        "axum",
        "sqlx",
        "tokio",
        "hyper",
        "reqwest",
        "libsqlite3-sys",
    ] {
        assert!(
            !deps.iter().any(|d| d.starts_with(banned)),
            "the core must not depend on {banned}: {deps:?}"
        );
    }
}

#[test]
fn the_core_reads_no_clock_file_network_or_machine() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src-tauri/core"), &mut files);
    assert!(files.len() > 20, "found only {} core files", files.len());
    let banned = [
        "std::fs",
        "std::net",
        "std::io::",
        "std::env",
        "std::process",
        "SystemTime",
        "Instant::now",
        "Utc::now",
        "Local::now",
        "available_parallelism",
    ];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for b in banned {
            assert!(
                !text.contains(b),
                "{} uses {b}; the core is handed data, `now` and threads by its adapters",
                f.display()
            );
        }
    }
}

/// The module a source file belongs to, at the grain the layers are drawn: the doors' and
/// services' own modules, and the other top-level modules as wholes.
fn node_of(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [one] if one == "lib" || one == "main" || one == "build" => None,
        [one] => Some(one.clone()),
        [top, sub, ..] if top == "doors" || top == "services" => {
            (sub != "mod").then(|| format!("{top}::{sub}"))
        }
        [top, ..] => Some(top.clone()),
        [] => None,
    }
}

fn rank(node: &str) -> u8 {
    match node.split("::").next().unwrap() {
        "core" => 0,
        "config" => 1,
        "store" | "charts" | "sim" | "import" | "report" => 2,
        "setup" => 3,
        "services" => 4,
        "doors" => 5,
        other => panic!("module {other} is in no layer: add it to tests/it/layers.rs"),
    }
}

/// `crate::a::b` paths named in `text`, as nodes.
fn uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let path: Vec<&str> = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap()
            .split("::")
            .collect();
        let node = match path.as_slice() {
            [top, sub, ..] if *top == "doors" || *top == "services" => format!("{top}::{sub}"),
            [top, ..] => top.to_string(),
            [] => continue,
        };
        out.insert(node);
    }
    out
}

#[test]
fn modules_form_layers_without_cycles() {
    let src = Path::new(ROOT).join("src-tauri");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        if rel.starts_with("core") {
            continue; // its own crate: it cannot name the app's modules at all
        }
        let Some(node) = node_of(rel) else { continue };
        let text = std::fs::read_to_string(&f).unwrap();
        let edges = graph.entry(node.clone()).or_default();
        for to in uses(&text) {
            if to != node && to.split("::").next() != Some("") {
                edges.insert(to);
            }
        }
    }
    assert!(graph.contains_key("doors::cli") && graph.contains_key("services::live_loop"));
    for (from, tos) in &graph {
        for to in tos {
            assert!(
                rank(to) <= rank(from),
                "{from} (layer {}) uses {to} (layer {}): a layer uses only those below it",
                rank(from),
                rank(to)
            );
        }
    }
    // Depth-first search for a cycle, naming it if there is one.
    fn visit<'a>(
        n: &'a str,
        g: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(i) = path.iter().position(|p| *p == n) {
            panic!("import cycle: {} → {n}", path[i..].join(" → "));
        }
        if done.contains(n) {
            return;
        }
        path.push(n);
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, path, done);
        }
        path.pop();
        done.insert(n);
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_module_graph_is_read_from_the_sources() {
    // The checks above rest on these readings of paths and sources.
    let text = "use crate::doors::cli::parse; fn f() { crate::services::figures::zones(); }";
    assert_eq!(
        uses(text),
        ["doors::cli", "services::figures"].map(String::from).into()
    );
    assert_eq!(
        node_of(Path::new("doors/cli/kpi.rs")).as_deref(),
        Some("doors::cli")
    );
    assert_eq!(
        node_of(Path::new("store/sqlite/facts.rs")).as_deref(),
        Some("store")
    );
    assert!(rank("services::figures") < rank("doors::serve"));
}
