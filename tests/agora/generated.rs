//! Documents generated from the code: each test compares the committed file with what the
//! code generates now and, when they differ, rewrites the file and fails, so that a change to
//! a registry shows up as a changed document in the same commit (as rust-analyzer's generated
//! docs do). Run `cargo test --release --test agora generated::` and commit the file it wrote.

use std::path::Path;

/// Fails (after writing `fresh` to `path`) if the committed `path` is not `fresh`.
fn ensure_file_contents(path: &str, fresh: &str) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let old = std::fs::read_to_string(&full).unwrap_or_default();
    if old.replace("\r\n", "\n") == fresh {
        return;
    }
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&full, fresh).unwrap();
    panic!("{path} was out of date and has been regenerated from the code: review and commit it");
}

/// The metric glossary is the metric registry, every metric once.
#[test]
fn metric_glossary_is_up_to_date() {
    let text = agora::catalog::glossary::markdown();
    for m in agora::catalog::all() {
        assert!(text.contains(&format!("| `{}` |", m.name)), "glossary lacks {}", m.name);
    }
    ensure_file_contents(agora::catalog::glossary::PATH, &text);
}

/// The equal-footing table of docs/ODD.md is every regime's footing as declared in the
/// registry, at the defaults.
#[test]
fn equal_footing_table_is_up_to_date() {
    let path = agora::catalog::footing::PATH;
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    assert!(doc.contains(agora::catalog::footing::BEGIN), "{path} has no generated equal-footing table");
    ensure_file_contents(path, &agora::catalog::footing::splice(&doc));
}

/// Regimes differ only in the institution: every mechanism of equal footing has the same value
/// in every regime's defaults, unless the regime declares the difference as its institution,
/// with its reason.
#[test]
fn equal_footing_is_declared() {
    let undeclared = agora::catalog::footing::undeclared();
    assert!(undeclared.is_empty(), "differences no regime declared:\n  {}", undeclared.join("\n  "));
}
