//! The documentation's links, checked offline: every relative link and image in the user
//! guide (`docs/guide/src/`), `README.md` and `docs/*.md` points at a file that exists, every
//! `#anchor` at a heading of the page it names, and every page of the guide is in its
//! `SUMMARY.md`. Links to other sites are not fetched.
//!
//! Written by hand, not run as the `mdbook-linkcheck` backend, so that it runs in
//! `cargo test --release` on any machine, with or without mdBook, and fails there like any
//! other test. Markdown is read with pulldown-cmark (the parser mdBook uses), not with
//! regular expressions, so links in code blocks are not links and reference links resolve.
//! Its own binary, not a module of `tests/agora/`: it reads files only and needs none of the
//! engine, so `cargo test --release --test docs` runs it alone in a moment.

use pulldown_cmark::{BrokenLink, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the book's pages live: mdBook publishes only this folder, so a page in it may link
/// only inside it.
fn book_src() -> PathBuf {
    root().join("docs/guide/src")
}

/// A link (or an include) found in a page: its line and its target.
struct Link {
    line: usize,
    url: String,
}

/// A page as read: its links, its headings' anchors, its `{{#include ...}}` targets, and
/// references such as `[text][name]` whose `name` has no definition.
#[derive(Default)]
struct Page {
    links: Vec<Link>,
    anchors: BTreeSet<String>,
    includes: Vec<Link>,
    broken_references: Vec<Link>,
}

/// The anchor a heading gets, as GitHub and mdBook both make it for the headings these pages
/// use: lower case, letters, digits, `-` and `_` kept, spaces to `-`, the rest dropped; the
/// second heading of one name gets `-1`, the third `-2`.
fn slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Every `src="..."` and `href="..."` in a piece of raw HTML (the README's phone screenshot is
/// an `<img>` for its width).
fn html_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            if let Some(end) = rest.find('"') {
                urls.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    urls
}

/// Reads one page: links with their lines, heading anchors, includes.
fn read_page(text: &str) -> Page {
    let mut page = Page::default();
    for (i, line) in text.lines().enumerate() {
        let line_text = line.trim();
        if let Some(rest) = line_text.strip_prefix("{{#include ") {
            let target = rest.trim_end_matches("}}").trim().to_string();
            page.includes.push(Link { line: i + 1, url: target });
        }
    }
    let mut broken = Vec::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_FOOTNOTES;
    let events: Vec<(Event, std::ops::Range<usize>)> = Parser::new_with_broken_link_callback(
        text,
        options,
        Some(|link: BrokenLink| {
            // `[text][name]` and `[name][]` are meant as links; a bare `[0.25, 0.31]` is not.
            if matches!(link.link_type, LinkType::Reference | LinkType::Collapsed) {
                broken.push((link.span.start, link.reference.to_string()));
            }
            None
        }),
    )
    .into_offset_iter()
    .collect();
    let mut heading: Option<(Option<String>, String)> = None;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (event, range) in events {
        let line = line_of(text, range.start);
        match event {
            Event::Start(Tag::Heading { id, .. }) => heading = Some((id.map(|s| s.to_string()), String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((id, words)) = heading.take() {
                    let base = id.unwrap_or_else(|| slug(&words));
                    let n = seen.entry(base.clone()).or_insert(0);
                    page.anchors.insert(if *n == 0 { base.clone() } else { format!("{base}-{n}") });
                    *n += 1;
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, words)) = heading.as_mut() {
                    words.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                page.links.push(Link { line, url: dest_url.to_string() })
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                for url in html_urls(&html) {
                    page.links.push(Link { line, url });
                }
            }
            _ => {}
        }
    }
    for (offset, name) in broken {
        page.broken_references.push(Link { line: line_of(text, offset), url: name });
    }
    page
}

/// `a/b/../c` to `a/c`, without touching the disk (the target may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "md")
}

fn is_external(url: &str) -> bool {
    url.contains("://") || url.starts_with("mailto:")
}

/// The pages checked: the README, `docs/*.md` and every Markdown file of the guide's source
/// (not `docs/guide/book/`, which is mdBook's output).
fn pages() -> Vec<PathBuf> {
    let markdown = |dir: &Path| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        found.retain(|p| p.is_dir() || is_markdown(p));
        found
    };
    let mut pages = vec![root().join("README.md")];
    pages.extend(markdown(&root().join("docs")).into_iter().filter(|p| p.is_file()));
    let mut stack = vec![book_src()];
    while let Some(dir) = stack.pop() {
        for path in markdown(&dir) {
            if path.is_dir() {
                stack.push(path);
            } else {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// The problems found in a set of pages: every broken link, anchor, include, reference, and
/// every page of the book that `SUMMARY.md` leaves out.
fn problems(pages: &[PathBuf]) -> Vec<String> {
    let rel = |p: &Path| p.strip_prefix(root()).unwrap_or(p).display().to_string();
    let read = |p: &Path| fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", rel(p)));
    let parsed: BTreeMap<PathBuf, Page> = pages.iter().map(|p| (p.clone(), read_page(&read(p)))).collect();

    // A page's anchors include those of the files it includes: mdBook renders them in place.
    let anchors_of = |path: &Path| -> BTreeSet<String> {
        let unlisted;
        let page = match parsed.get(path) {
            Some(page) => page,
            None => {
                unlisted = read_page(&read(path));
                &unlisted
            }
        };
        let mut anchors = page.anchors.clone();
        for include in &page.includes {
            let target = normalize(&path.parent().unwrap().join(&include.url));
            if let Ok(text) = fs::read_to_string(&target) {
                anchors.extend(read_page(&text).anchors);
            }
        }
        anchors
    };
    let included: BTreeSet<PathBuf> = parsed
        .iter()
        .flat_map(|(path, page)| page.includes.iter().map(move |i| normalize(&path.parent().unwrap().join(&i.url))))
        .collect();

    let mut problems = Vec::new();
    for (path, page) in &parsed {
        let in_book = path.starts_with(book_src());
        let dir = path.parent().unwrap();
        let at = |line: usize| format!("{}:{line}", rel(path));
        for include in &page.includes {
            let target = normalize(&dir.join(&include.url));
            if include.url.contains(':') {
                problems.push(format!("{}: include `{}`: only whole files are checked", at(include.line), include.url));
            } else if !target.is_file() {
                problems.push(format!("{}: include `{}`: no such file", at(include.line), include.url));
            }
        }
        for reference in &page.broken_references {
            problems.push(format!("{}: reference `[{}]` has no definition", at(reference.line), reference.url));
        }
        for link in &page.links {
            let url = link.url.as_str();
            if is_external(url) {
                continue;
            }
            let where_ = format!("{}: link `{url}`", at(link.line));
            let (file, anchor) = match url.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (url, None),
            };
            if !file.is_empty() && included.contains(path) {
                // The same text is read at docs/X.md and, included, at a page of the book: a
                // relative path cannot be right in both places.
                problems.push(format!("{where_}: this page is included in the book, where relative paths change"));
                continue;
            }
            let target = if file.is_empty() { path.clone() } else { normalize(&dir.join(file)) };
            if !target.exists() {
                problems.push(format!("{where_}: no such file {}", rel(&target)));
                continue;
            }
            if in_book && !target.starts_with(book_src()) {
                problems.push(format!("{where_}: leaves docs/guide/src, which is all mdBook publishes"));
                continue;
            }
            if let Some(anchor) = anchor {
                if !is_markdown(&target) {
                    problems.push(format!("{where_}: an anchor into a file that is not Markdown"));
                } else if !anchors_of(&target).contains(anchor) {
                    problems.push(format!("{where_}: no heading #{anchor} in {}", rel(&target)));
                }
            }
        }
    }

    // Every page of the book is reachable from SUMMARY.md (mdBook skips the others silently).
    let summary_path = book_src().join("SUMMARY.md");
    if let Some(summary) = parsed.get(&summary_path) {
        let listed: BTreeSet<PathBuf> =
            summary.links.iter().map(|l| normalize(&book_src().join(l.url.split('#').next().unwrap()))).collect();
        for path in parsed.keys().filter(|p| p.starts_with(book_src()) && **p != summary_path) {
            if !listed.contains(path) {
                problems.push(format!("{}: not listed in docs/guide/src/SUMMARY.md", rel(path)));
            }
        }
    }
    problems
}

#[test]
fn every_link_in_the_docs_points_at_a_file_and_heading_that_exist() {
    let pages = pages();
    assert!(pages.iter().any(|p| p.ends_with("docs/guide/src/SUMMARY.md")), "the guide's SUMMARY.md is missing");
    assert!(pages.len() >= 20, "only {} pages found", pages.len());
    let problems = problems(&pages);
    assert!(problems.is_empty(), "{} broken link(s):\n  {}", problems.len(), problems.join("\n  "));
}

#[test]
fn headings_get_the_anchors_github_and_mdbook_give_them() {
    let page = read_page("# Sweeps\n## Writing `[sweep]`\n### 7.6 Market (`[market]`)\n## Output files\n## Output files\n## Own {#mine}\n");
    let anchors: Vec<&str> = page.anchors.iter().map(String::as_str).collect();
    assert_eq!(anchors, ["76-market-market", "mine", "output-files", "output-files-1", "sweeps", "writing-sweep"]);
}

/// The check fails for real: a page with a missing file, a missing heading and a missing
/// reference is refused, and a link inside a code block is not taken for a link.
#[test]
fn broken_links_are_found() {
    let page = read_page(
        "# Title\n\n[gone](nowhere.md) [here](#title) [bad](#no-such) [ref][missing]\n\n```\n[in code](nowhere.md)\n```\n",
    );
    let urls: Vec<&str> = page.links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(urls, ["nowhere.md", "#title", "#no-such"], "links in code blocks are not links");
    assert_eq!(page.broken_references.len(), 1);
    assert_eq!(page.broken_references[0].line, 3);

    let tmp = std::env::temp_dir().join(format!("agora-docs-test-{}", std::process::id()));
    fs::create_dir_all(&tmp).unwrap();
    let bad = tmp.join("bad.md");
    fs::write(&bad, "# Bad\n\n[a](nowhere.md)\n[b](#bad)\n[c](#missing)\n").unwrap();
    let found = problems(&[bad]);
    fs::remove_dir_all(&tmp).unwrap();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("nowhere.md") && found[0].contains(":3:"), "{found:#?}");
    assert!(found[1].contains("#missing"), "{found:#?}");
}
