//! Scenarios: TOML text in, a checked [`ScenarioFile`] out.
//!
//! Parsing happens in two stages, as ripgrep does with its flags: serde reads the text into
//! [`ScenarioFile`] (a mirror of the file, with defaults), then [`validate`] checks every value
//! of the shared sections. This module knows no regime and no engine: the regimes' own tables
//! are kept as written, and the plan resolves them against the registry. Every error
//! names the file, the line and the key, and says what is allowed.

mod file;
pub mod institutions;
pub mod output;
pub mod policy;
pub mod sections;
pub mod settings;
pub mod source;
pub mod sweep;
pub mod validate;
pub mod values;
mod variants;

pub use file::{Mode, ScenarioFile, SECTIONS};
pub use institutions::{Governance, PropertyRule, Quota};
pub use output::{OutputConfig, PlotFormat, PlotFormats, TableFormat, TableFormats};
pub use policy::{BasicIncome, CoexistConfig, Funding, PaidIn, PolicyConfig, Shock, Tax, TaxBase};
pub use sections::{
    AdaptConfig, Choice, KnowledgeConfig, NetworkSpec, PopulationConfig, ResourceConfig, RunConfig, StrategyShares,
};
pub use values::{Amount, Distribution, NeedSpec};
pub use variants::{has_path, overlay, FIXED_IN_VARIANTS};

use crate::error::{Error, InputError, MAX_PROBLEMS};
use std::path::{Path, PathBuf};

/// Values given on the command line that take precedence over the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--agents`.
    pub agents: Option<u64>,
    /// `--steps`.
    pub steps: Option<u64>,
    /// `--replicates`.
    pub replicates: Option<u64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--warmup`.
    pub warmup: Option<u64>,
    /// `--out`: the run's files go directly into this folder, wherever it is.
    pub out: Option<PathBuf>,
}

/// The text a scenario came from, to point errors at a file and a line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// The TOML text.
    pub text: String,
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
}

impl Source {
    /// Text not read from a file.
    pub fn text(text: &str) -> Source {
        Source { text: text.to_string(), path: None }
    }

    /// Names the file in an error.
    pub fn in_file(&self, e: InputError) -> InputError {
        match &self.path {
            Some(p) => e.in_file(p),
            None => e,
        }
    }

    /// Adds the line of the error's key (unless it names a flag) and the file.
    pub fn locate(&self, e: InputError) -> InputError {
        let e = if e.position.is_none() && !e.key.as_deref().unwrap_or("").starts_with("--") {
            let pos = e.key.as_deref().and_then(|k| source::locate(&self.text, k));
            InputError { position: pos, ..e }
        } else {
            e
        };
        self.in_file(e)
    }
}

/// Reads a scenario into its text: the file `path`; if there is none, `<path>.toml` (so
/// `mine` reads `mine.toml`); if there is none either, the bundled scenario of that name
/// (`showcase`, `showcase.toml`, `scenarios/showcase.toml`: [`crate::library::find`]), shown
/// as `<bundled>/showcase.toml`. A file always comes before a bundled scenario.
pub fn read(path: &Path) -> Result<Source, Error> {
    if !path.is_file() {
        let with_toml = path.with_extension("toml");
        if path.extension().is_none() && with_toml.is_file() {
            return read_file(&with_toml);
        }
        if let Some((file, text)) = crate::library::find(path) {
            return Ok(Source { text: text.to_string(), path: Some(crate::library::bundled_path(file)) });
        }
    }
    read_file(path)
}

/// Reads a scenario file into its text; a missing file's error lists the bundled scenarios.
fn read_file(path: &Path) -> Result<Source, Error> {
    let bytes = std::fs::read(path).map_err(|e| {
        let err = InputError::new(format!("cannot read the scenario file: {e}")).in_file(path);
        if e.kind() != std::io::ErrorKind::NotFound {
            return err;
        }
        let names = crate::library::names();
        // A bare name close to a bundled one is likely a typo of it (`showcas`); a path is not.
        let bare = path.parent().is_none_or(|p| p.as_os_str().is_empty() || p == Path::new("scenarios"));
        let stem = path.file_stem().and_then(|s| s.to_str()).filter(|_| bare).unwrap_or("");
        let guess = source::did_you_mean(stem, names.iter().map(|n| n.rsplit('/').next().unwrap_or(n)));
        err.help(format!(
            "{}no such file here, and no bundled scenario of that name; the bundled ones are: {} (`agora list` says what each asks)",
            guess.map(|g| format!("did you mean `{g}`? ")).unwrap_or_default(),
            names.join(", ")
        ))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| InputError::new("the file is not UTF-8 text, so it cannot be TOML").in_file(path))?;
    Ok(Source { text, path: Some(path.to_path_buf()) })
}

/// Parses scenario text and checks its shared sections, with the overrides applied and the
/// defaults that depend on other keys filled in. Every problem found is in the error.
pub fn parse(src: &Source, overrides: &Overrides) -> Result<ScenarioFile, InputError> {
    let (file, problems) = parse_all(src, overrides)?;
    match InputError::all(problems) {
        Some(e) => Err(e),
        None => Ok(file),
    }
}

/// [`parse`], going on past the problems it can: the file as far as it reads (a key that
/// cannot be read left at its default) and every problem found, each located. `Err` when
/// nothing can be read (a TOML syntax error, a missing `name` or `regimes`).
pub fn parse_all(src: &Source, overrides: &Overrides) -> Result<(ScenarioFile, Vec<InputError>), InputError> {
    let (mut file, mut problems) = deserialize_all(&src.text).map_err(|e| src.in_file(e))?;
    let (file_steps, file_warmup) = (file.run.steps, file.run.warmup);
    apply_overrides(&mut file, overrides);
    fit_warmup(&mut file, src, overrides, file_steps, file_warmup);
    validate::resolve_defaults(&mut file);
    problems.extend(validate::check_all(&file, overrides));
    if let Some(t) = &file.sweep {
        problems.extend(sweep::SweepConfig::parse(t, &src.text).err());
    }
    let problems = problems.into_iter().map(|e| src.locate(e)).collect();
    Ok((file, problems))
}

/// Deserialises a whole file; `prefix` is prepended to key paths in errors (for variants).
fn deserialize_file(src: &str, prefix: &str) -> Result<ScenarioFile, InputError> {
    let de = toml::Deserializer::parse(src).map_err(|e| syntax_error(src, &e))?;
    serde_path_to_error::deserialize::<_, ScenarioFile>(de).map_err(|e| {
        let path = e.path().to_string();
        toml_error(src, &join(prefix, &path), e.inner())
    })
}

/// Deserialises a whole file, collecting up to [`MAX_PROBLEMS`] problems as rustc does: after
/// each, the key it concerns is taken out of the document (so its default stands) and the
/// rest read again. Positions are found in the original text.
fn deserialize_all(src: &str) -> Result<(ScenarioFile, Vec<InputError>), InputError> {
    let mut problems: Vec<InputError> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    let mut doc: Option<toml::Table> = None;
    let mut text = src.to_string();
    loop {
        let e = match deserialize_file(&text, "") {
            Ok(f) => return Ok((f, problems)),
            Err(e) if problems.is_empty() => e,
            Err(e) => InputError { position: e.key.as_deref().and_then(|k| source::locate(src, k)), ..e },
        };
        let doc = match &mut doc {
            Some(d) => d,
            None => doc.insert(src.parse::<toml::Table>().map_err(|_| e.clone())?),
        };
        // A table that misses only the key taken out for an earlier problem (a network's
        // `kind` of an unknown value) is that problem again: the table goes, unreported.
        let missing = e.message.strip_prefix("missing key `").and_then(|m| m.split('`').next());
        let key = e.key.clone().unwrap_or_default();
        if missing.is_some_and(|m| taken.contains(&join(&key, m))) && remove_key(doc, &key, "") {
            text = toml::to_string(&*doc).map_err(|_| e.clone())?;
            continue;
        }
        let removed = remove_key(doc, &key, &e.message);
        taken.push(key);
        problems.push(e);
        if !removed || problems.len() >= MAX_PROBLEMS {
            return Err(InputError::all(problems).unwrap_or_default());
        }
        text = toml::to_string(&*doc).map_err(|_| InputError::all(problems.clone()).unwrap_or_default())?;
    }
}

/// Takes the value at dotted `key` (as far as its first array index) out of `doc`; for an
/// unknown key, `key.word`. Whether anything was taken out.
fn remove_key(doc: &mut toml::Table, key: &str, message: &str) -> bool {
    let mut path: Vec<String> = Vec::new();
    for seg in source::parse_path(key) {
        match seg {
            source::Segment::Key(k) => path.push(k),
            source::Segment::Index(_) => break,
        }
    }
    if let Some((word, _)) = source::parse_unknown(message) {
        if path.last() != Some(&word) && message.starts_with("unknown key") {
            path.push(word);
        }
    }
    let Some((last, parents)) = path.split_last() else { return false };
    let mut t = doc;
    for p in parents {
        match t.get_mut(p).and_then(|v| v.as_table_mut()) {
            Some(inner) => t = inner,
            None => return false,
        }
    }
    // `name` and `regimes` must stay: the file would stop reading.
    if parents.is_empty() && (last == "name" || last == "regimes") {
        return false;
    }
    t.remove(last).is_some()
}

/// A TOML syntax error, naming the key whose value was being read when it is on a line
/// `key = value` (`regrowth = 0.1.5` in `[resource]` is `resource.regrowth`).
fn syntax_error(src: &str, e: &toml::de::Error) -> InputError {
    let mut err = toml_error(src, "", e);
    let Some(span) = e.span() else { return err };
    let start = span.start.min(src.len());
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line = &src[line_start..line_end];
    let Some((k, v)) = line.split_once('=') else { return err };
    let k = k.trim().trim_matches('"');
    if k.is_empty() || k.starts_with('[') || k.starts_with('#') || line_start + k.len() > start {
        return err;
    }
    // The table the line is in: the last header above it.
    let table = src[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_start_matches('[').split(']').next().unwrap_or("").trim().to_string())
        .unwrap_or_default();
    let value = v.split(" #").next().unwrap_or(v).trim();
    err.key = Some(join(&table, k));
    err.message = format!("cannot read the value `{value}`: {} (a TOML syntax error)", err.message);
    err.help = Some(
        "a value is a number (0.15, 2e-3), a string in quotes, true or false, a list [a, b] or a table { k = v }"
            .into(),
    );
    err
}

/// `prefix.path`, or either alone when the other is empty.
pub fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty() || path == ".") {
        (_, true) => prefix.to_string(),
        (true, false) => path.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// Turns a TOML or serde error into an [`InputError`] with a position and, for unknown keys
/// and values, a "did you mean" suggestion.
pub fn toml_error(src: &str, key: &str, e: &toml::de::Error) -> InputError {
    let message = e
        .message()
        .trim()
        .replace("expected u64", "expected a whole number, 0 or more")
        .replace("expected f64", "expected a number")
        .replace("missing field", "missing key");
    let position = e.span().map(|s| source::line_col(src, s.start)).or_else(|| source::locate(src, key));
    let mut err = InputError {
        key: (!key.is_empty()).then(|| key.to_string()),
        position,
        message: message.clone(),
        ..Default::default()
    };
    if let Some((word, allowed)) = source::parse_unknown(&message) {
        let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
        let kind = if message.starts_with("unknown field") { "keys" } else { "values" };
        err.message = format!("unknown {} `{word}`", if kind == "keys" { "key" } else { "value" });
        err.help = Some(match source::did_you_mean(&word, allowed.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`? allowed {kind}: {list}"),
            None => format!("allowed {kind}: {list}"),
        });
    } else if message.starts_with("missing key") {
        err.help = Some("see `docs/ODD.md` or `agora validate` on a bundled scenario for every key".into());
    }
    err
}

fn apply_overrides(file: &mut ScenarioFile, o: &Overrides) {
    if let Some(v) = o.agents {
        file.run.agents = v;
    }
    if let Some(v) = o.steps {
        file.run.steps = v;
    }
    if let Some(v) = o.replicates {
        file.run.replicates = v;
    }
    if let Some(v) = o.seed {
        file.run.seed = v;
    }
    if let Some(v) = o.warmup {
        file.run.warmup = v;
    }
}

/// A warm-up the user did not choose for these steps adapts, and says so: the default (50)
/// when `run.warmup` is not written, or the file's warm-up when `--steps` shortened the run
/// (kept at the same share of the steps). A warm-up written in the file for the file's own
/// steps, or given with `--warmup`, is left for the check to refuse.
fn fit_warmup(file: &mut ScenarioFile, src: &Source, o: &Overrides, file_steps: u64, file_warmup: u64) {
    let r = &mut file.run;
    if o.warmup.is_some() || r.warmup < r.steps {
        return;
    }
    let written = src
        .text
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| t.get("run").and_then(|r| r.as_table()).map(|r| r.contains_key("warmup")))
        .unwrap_or(false);
    let (fitted, why) = if !written {
        (r.steps / 4, format!("the default warm-up ({file_warmup} steps) is not below `steps` ({})", r.steps))
    } else if o.steps.is_some() {
        let share = file_warmup as f64 / file_steps.max(1) as f64;
        (((r.steps as f64) * share).floor() as u64, format!("{file_warmup} is not below --steps {}", r.steps))
    } else {
        return;
    };
    let fitted = fitted.min(r.steps.saturating_sub(1));
    let note = InputError::at("run.warmup", format!("{why}; using a warm-up of {fitted} steps"))
        .help("set it with `warmup` in `[run]` or with --warmup");
    r.warmup = fitted;
    file.notes.push(src.locate(note));
}

/// The regime kind of an entry `kind` or `kind:label`.
pub fn kind_of(entry: &str) -> &str {
    entry.split_once(':').map_or(entry, |(k, _)| k)
}

/// The bundled scenarios: `(file name, name, description)` for each `scenarios/*.toml`
/// (and `scenarios/validation/*.toml`) under `root`, sorted by path.
pub fn bundled(root: &Path) -> Vec<(PathBuf, String, String)> {
    let mut paths = Vec::new();
    for dir in [root.to_path_buf(), root.join("validation")] {
        if let Ok(read) = std::fs::read_dir(&dir) {
            for entry in read.flatten() {
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "toml") {
                    paths.push(p);
                }
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let parsed = std::fs::read_to_string(&p).ok().and_then(|s| toml::from_str::<toml::Table>(&s).ok());
            let field =
                |k: &str| parsed.as_ref().and_then(|t| t.get(k)).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let (name, description) = (field("name"), field("description"));
            (p, name, description)
        })
        .collect()
}
