//! Labelled variants: `[variant.<label>]` tables laid over a scenario for the entries listed
//! as `<regime>:<label>`. Laying a table over another is plain TOML; which regime the entry
//! runs is the plan's business.

use super::{join, toml_error, validate, Overrides, ScenarioFile};
use crate::error::InputError;

/// Sections a variant may not change: they define the run, not a regime's rules.
pub const FIXED_IN_VARIANTS: &[&str] =
    &["name", "description", "question", "mode", "regimes", "baseline", "run", "output", "variant", "sweep"];

/// Whether the dotted key path `dotted` (array indices allowed) is set in `table`.
pub fn has_path(table: &toml::Table, dotted: &str) -> bool {
    let mut t = table;
    let parts: Vec<&str> = dotted.split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        let p = p.split('[').next().unwrap_or(p);
        match t.get(p) {
            Some(toml::Value::Table(inner)) if i + 1 < parts.len() => t = inner,
            Some(_) => return true,
            None => return false,
        }
    }
    true
}

/// The scenario `base` (as a table, regime tables resolved) with `[variant.<label>]`
/// (`overlay`) laid over it, deserialised and checked. Errors name the variant's key when the
/// variant set it.
pub fn overlay(
    mut base: toml::Table,
    label: &str,
    overlay: &toml::Table,
    src: &str,
) -> Result<ScenarioFile, InputError> {
    let prefix = format!("variant.{label}");
    for key in overlay.keys() {
        if FIXED_IN_VARIANTS.contains(&key.as_str()) {
            return Err(InputError::at(format!("{prefix}.{key}"), format!("a variant cannot change `{key}`"))
                .help("variants change the rules of a regime (its table, `policy`, `population`, `resource`, `knowledge`, `adapt`), not the run"));
        }
    }
    base.remove("variant");
    merge(&mut base, overlay);
    let merged: ScenarioFile = serde_path_to_error::deserialize(toml::Value::Table(base)).map_err(|e| {
        let key = join(&prefix, &e.path().to_string());
        let mut err = toml_error(src, &key, e.inner());
        err.position = super::source::locate(src, &key);
        err
    })?;
    validate::check(&merged, &Overrides::default()).map_err(|mut e| {
        if let Some(k) = &e.key {
            if has_path(overlay, k) {
                e.key = Some(format!("{prefix}.{k}"));
            }
        }
        e
    })?;
    Ok(merged)
}

/// Lays `overlay` over `base`: tables merge key by key, anything else replaces. A table that
/// names its own `kind` or `dist` (a network, a limit, a distribution) replaces the base table
/// whole, since its keys depend on that tag.
fn merge(base: &mut toml::Table, overlay: &toml::Table) {
    for (k, v) in overlay {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if !o.contains_key("kind") && !o.contains_key("dist") =>
            {
                merge(b, o)
            }

            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}
