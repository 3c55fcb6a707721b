//! The house rules that keep the code easy to move into, checked on every test run (in the
//! manner of rust-analyzer's `tidy.rs`): every source file is on the code map of
//! `docs/ARCHITECTURE.md`; imports follow its layer order (no arrow back up) and no two files
//! of a folder import each other, round a circle; no source file is longer than 600 lines
//! unless the map names it as a data table; every crate documents its public items.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, relative to the root, with `/` separators.
fn rust_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    out
}

/// The source files: the main crate's and every workspace crate's.
fn sources() -> Vec<String> {
    let mut files = rust_files(&root().join("src"));
    files.extend(rust_files(&root().join("crates")).into_iter().filter(|f| f.contains("/src/")));
    files
}

fn architecture() -> String {
    std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap()
}

/// The text of the section headed `## {title}`.
fn section<'a>(doc: &'a str, title: &str) -> &'a str {
    let start = doc.find(&format!("\n## {title}\n")).unwrap_or_else(|| panic!("ARCHITECTURE.md has no `## {title}`"));
    let rest = &doc[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    &rest[..end]
}

/// The code with comments removed (line comments and doc comments; string contents that
/// hold `//` lose their tail, which only hides references, never invents one).
fn code_of(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The names after each `prefix` in `code`: `crate::a` and every first name in
/// `crate::{a, b::c}`.
fn referenced(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = Vec::new();
    for (i, _) in code.match_indices(prefix) {
        if i > 0 && code[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        start = true;
                        continue;
                    }
                    _ => {}
                }
                if start && (c.is_alphanumeric() || c == '_') {
                    out.push(ident(&group[j..]));
                    start = false;
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn every_source_file_is_on_the_code_map() {
    let doc = architecture();
    let map = section(&doc, "Code map");
    // A bullet runs from a line starting `- ` to the next one.
    let mut bullets: Vec<String> = Vec::new();
    for line in map.lines() {
        if line.starts_with("- ") || bullets.is_empty() {
            bullets.push(String::new());
        }
        bullets.last_mut().unwrap().push_str(line);
        bullets.last_mut().unwrap().push(' ');
    }
    let mut missing = Vec::new();
    for file in sources() {
        let name = file.rsplit('/').next().unwrap();
        let folders: Vec<String> =
            file.match_indices('/').map(|(i, _)| file[..=i].to_string()).filter(|f| f.contains('/')).collect();
        let named = map.contains(&file)
            || bullets.iter().any(|b| {
                folders.iter().any(|f| b.contains(f.as_str()))
                    && (name == "mod.rs"
                        || name == "lib.rs"
                        || b.contains(&format!("`{name}`"))
                        || b.contains(&format!("{name}`")))
            });
        if !named {
            missing.push(file);
        }
    }
    assert!(missing.is_empty(), "not on the code map of docs/ARCHITECTURE.md:\n  {}", missing.join("\n  "));
}

/// The layers of `docs/ARCHITECTURE.md`, lowest first: module name to layer number (`lib` for
/// the items of `lib.rs`).
fn layers(doc: &str) -> BTreeMap<String, usize> {
    let marker = "Layers, lowest first";
    let at = doc.find(marker).expect("ARCHITECTURE.md names its layers (`Layers, lowest first`)");
    let para = doc[at..].split("\n\n").next().unwrap();
    let line = para.split_once(":\n").map_or(para, |(_, l)| l);
    let mut out = BTreeMap::new();
    for (n, layer) in line.split('→').enumerate() {
        for name in layer.split('`').skip(1).step_by(2) {
            let name = name.strip_suffix(".rs").unwrap_or(name);
            out.insert(name.to_string(), n);
        }
    }
    out
}

#[test]
fn imports_follow_the_layers_and_no_folder_has_a_circle() {
    let doc = architecture();
    let layers = layers(&doc);
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let modules: Vec<String> =
        referenced(&code_of(&lib), "pub mod ").into_iter().chain(referenced(&code_of(&lib), "\nmod ")).collect();
    for m in &modules {
        assert!(layers.contains_key(m), "module `{m}` is in no layer of docs/ARCHITECTURE.md");
    }
    let mut wrong = Vec::new();
    // sibling edges per folder, for the circle check
    let mut edges: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for file in sources().into_iter().filter(|f| f.starts_with("src/")) {
        let rel = &file["src/".len()..];
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        if !modules.contains(&top) {
            continue; // the binary's files sit above every layer
        }
        let code = code_of(&std::fs::read_to_string(root().join(&file)).unwrap());
        for target in referenced(&code, "crate::") {
            let target = if modules.contains(&target) { target } else { "lib".to_string() };
            if target != top && layers[&target] >= layers[&top] {
                wrong.push(format!("{file}: `{top}` imports `{target}`, which is not below it"));
            }
        }
        let (folder, stem) = match file.rsplit_once('/') {
            Some((d, f)) => (d.to_string(), f.trim_end_matches(".rs").to_string()),
            None => continue,
        };
        if stem != "mod" {
            for target in referenced(&code, "super::") {
                let sibling = root().join(&folder).join(format!("{target}.rs")).is_file()
                    || root().join(&folder).join(&target).is_dir();
                if sibling && target != stem {
                    edges.entry(folder.clone()).or_default().push((stem.clone(), target));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports against docs/ARCHITECTURE.md's layers:\n  {}", wrong.join("\n  "));
    for (folder, e) in edges {
        for (a, b) in &e {
            // A path back from b to a closes a circle.
            let mut stack = vec![b.clone()];
            let mut seen = vec![b.clone()];
            while let Some(n) = stack.pop() {
                assert!(&n != a, "{folder}: `{a}` and `{b}` import each other, round a circle");
                for (x, y) in &e {
                    if *x == n && !seen.contains(y) {
                        seen.push(y.clone());
                        stack.push(y.clone());
                    }
                }
            }
        }
    }
}

#[test]
fn no_source_file_is_longer_than_600_lines_unless_it_is_a_data_table() {
    let doc = architecture();
    let tables = doc.find("Data tables").map(|i| doc[i..].split("\n\n").next().unwrap()).unwrap_or("");
    let mut files = sources();
    files.extend(rust_files(&root().join("tests")));
    files.extend(rust_files(&root().join("benches")));
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(root().join(f)).unwrap().lines().count();
            (n > MAX_LINES && !tables.contains(f.as_str())).then(|| format!("{f}: {n} lines"))
        })
        .collect();
    assert!(long.is_empty(), "longer than {MAX_LINES} lines:\n  {}", long.join("\n  "));
}

#[test]
fn every_crate_documents_its_public_items() {
    // rustc's `missing_docs` lint does the checking; CI's clippy runs with `-D warnings`, so
    // an undocumented public item fails it. Here: every library crate turns the lint on.
    let mut roots = vec!["src/lib.rs".to_string()];
    roots.extend(sources().into_iter().filter(|f| f.starts_with("crates/") && f.ends_with("/src/lib.rs")));
    for r in roots {
        let text = std::fs::read_to_string(root().join(&r)).unwrap();
        assert!(
            text.contains("#![warn(missing_docs)]") || text.contains("#![deny(missing_docs)]"),
            "{r} does not turn on the missing_docs lint"
        );
    }
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.contains("clippy --all-targets") && ci.contains("-D warnings"), ".ci/run runs clippy with -D warnings");
}

/// The checks can fail: a file off the map, an import up, and a circle are caught.
#[test]
fn the_checks_catch_what_they_look_for() {
    assert_eq!(referenced("use crate::{a::b, c};\nlet x = crate::d::e;", "crate::"), ["a", "c", "d"]);
    assert_eq!(referenced("// crate::x\nfoo", "crate::"), ["x"], "comments are stripped by code_of, not here");
    assert!(referenced(&code_of("// crate::x\nfoo"), "crate::").is_empty());
    let l = layers("Layers, lowest first:\n`a`, `b` → `c.rs` → `d`\n\nmore");
    assert_eq!((l["a"], l["b"], l["c"], l["d"]), (0, 0, 1, 2));
}
