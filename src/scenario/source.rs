//! Finding where a key sits in the TOML text, so that every error can name a line.

use crate::error::InputError;
use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// A key of a table.
    Key(String),
    /// An index into an array.
    Index(usize),
}

/// Splits `policy.shocks[1].step` into `policy`, `shocks`, `1`, `step`.
pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(Segment::Key(rest[..open].to_string()));
            }
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let close = stripped.find(']').unwrap_or(stripped.len());
                if let Ok(i) = stripped[..close].parse() {
                    out.push(Segment::Index(i));
                }
                rest = stripped.get(close + 1..).unwrap_or("");
            }
        } else {
            out.push(Segment::Key(rest.to_string()));
        }
    }
    out
}

/// 1-based line and column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, col)
}

/// Names the scenario file `file` in `err` and, if the file reads, the line of the problem's
/// key in it (for errors found after parsing, from a plan's path).
pub fn at_key_in(mut err: InputError, file: &std::path::Path) -> InputError {
    // A plan's path may name a bundled scenario (`<bundled>/showcase.toml`), which is no file.
    let text = std::fs::read_to_string(file).ok().or_else(|| crate::library::find(file).map(|(_, t)| t.to_string()));
    if let (Some(key), Some(text)) = (&err.key, text) {
        err.position = locate(&text, key);
    }
    err.in_file(file)
}

/// The position of the deepest part of `path` present in the document: the value of the
/// key if it is there, else the key or table that holds it. `None` if the text does not parse.
pub fn locate(src: &str, path: &str) -> Option<(usize, usize)> {
    let root = DeTable::parse(src).ok()?;
    let segments = parse_path(path);
    let mut best: Option<usize> = None;
    let mut table: &DeTable = root.get_ref();
    let mut value: Option<&DeValue> = None;
    for seg in &segments {
        let next = match (seg, value) {
            (Segment::Key(k), None) => find_key(table, k),
            (Segment::Key(k), Some(DeValue::Table(t))) => find_key(t, k),
            (Segment::Index(i), Some(DeValue::Array(a))) => a.get(*i).map(|v| (v.span().start, v.get_ref())),
            _ => None,
        };
        match next {
            Some((start, v)) => {
                best = Some(start);
                if let DeValue::Table(t) = v {
                    table = t;
                }
                value = Some(v);
            }
            None => break,
        }
    }
    best.map(|b| line_col(src, b))
}

fn find_key<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<(usize, &'a DeValue<'i>)> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(k, v)| {
        // Point at the value for scalars (the bad number), at the key for tables.
        let at = match v.get_ref() {
            DeValue::Table(_) => k.span().start,
            _ => v.span().start,
        };
        (at, v.get_ref())
    })
}

/// Suggests the closest allowed word, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, allowed: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    allowed
        .into_iter()
        .map(|a| (strsim::jaro_winkler(word, a), a))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, a)| a)
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" (or variant) message into the
/// unknown word and the allowed ones.
pub fn parse_unknown(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let end = rest.find('`')?;
    let word = rest[..end].to_string();
    let tail = &rest[end + 1..];
    let allowed = tail.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((word, allowed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indices() {
        assert_eq!(
            parse_path("policy.shocks[1].step"),
            vec![
                Segment::Key("policy".into()),
                Segment::Key("shocks".into()),
                Segment::Index(1),
                Segment::Key("step".into())
            ]
        );
    }

    #[test]
    fn locates_values_in_tables_and_arrays() {
        let src = "name = \"x\"\n[run]\nagents = -5\n[policy]\nshocks = [{ step = 1 }, { step = 2 }]\n";
        assert_eq!(locate(src, "run.agents"), Some((3, 10)));
        assert_eq!(locate(src, "policy.shocks[1].step"), Some((5, 34)));
        // A missing key falls back to its table.
        assert_eq!(locate(src, "run.steps"), Some((2, 2)));
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(did_you_mean("agnets", ["agents", "steps"]), Some("agents"));
        assert_eq!(did_you_mean("zzz", ["agents", "steps"]), None);
    }

    #[test]
    fn reads_serde_unknown_field_messages() {
        let (w, a) = parse_unknown("unknown field `agnets`, expected one of `agents`, `steps`").unwrap();
        assert_eq!(w, "agnets");
        assert_eq!(a, vec!["agents", "steps"]);
        let (w, a) = parse_unknown("unknown variant `markt`, expected `market`").unwrap();
        assert_eq!(w, "markt");
        assert_eq!(a, vec!["market"]);
    }
}
