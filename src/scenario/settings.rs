//! Settings laid over a scenario by dotted key (`policy.basic_income.amount = 0.5`), as sweeps
//! and the classroom page set them: each value goes into the TOML document before it is
//! parsed and checked, so every setting meets the same validator as a file.
//!
//! Keys that must move together follow one rule: the members of a share group
//! (`population.strategies`, `coexist.shares`) sum to 1, so setting some members rescales the
//! members not set, in proportion to their current values (or equally if those are all 0),
//! to fill what is left. Setting members that already sum to more than 1 is an error.

use super::sections::StrategyShares;
use crate::error::InputError;

/// Groups of keys whose values are shares that sum to 1, and the defaults of their members
/// when the file does not write them.
fn group_of(path: &[&str]) -> Option<Members> {
    let n = path.len();
    if n >= 2 && path[n - 2] == "strategies" && (n == 3 && path[0] == "population" || is_variant_group(path)) {
        let d = StrategyShares::default();
        return Some(vec![
            ("cooperator".into(), d.cooperator),
            ("reciprocator".into(), d.reciprocator),
            ("free_rider".into(), d.free_rider),
        ]);
    }
    if n >= 3 && path[n - 3..n - 1] == ["coexist", "shares"] {
        return Some(Vec::new());
    }
    None
}

/// `variant.<label>.population.strategies.<member>`.
fn is_variant_group(path: &[&str]) -> bool {
    path.len() == 5 && path[0] == "variant" && path[2] == "population"
}

/// The members of a share group and their values.
type Members = Vec<(String, f64)>;

/// Lays `settings` over the scenario document `doc`, each a dotted key and a value.
pub fn apply(doc: &mut toml::Table, settings: &[(String, toml::Value)]) -> Result<(), InputError> {
    // Plain keys first; share-group members are collected per group.
    let mut groups: Vec<(Vec<String>, Members)> = Vec::new();
    for (key, value) in settings {
        let path: Vec<&str> = key.split('.').collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(InputError::at(key.as_str(), "is not a dotted key such as `run.agents`"));
        }
        if group_of(&path).is_some() {
            let share = value
                .as_float()
                .or_else(|| value.as_integer().map(|i| i as f64))
                .ok_or_else(|| InputError::at(key.as_str(), format!("must be a number (a share), got {value}")))?;
            let table: Vec<String> = path[..path.len() - 1].iter().map(|s| s.to_string()).collect();
            let member = path[path.len() - 1].to_string();
            match groups.iter_mut().find(|g| g.0 == table) {
                Some(g) => g.1.push((member, share)),
                None => groups.push((table, vec![(member, share)])),
            }
        } else {
            set(doc, &path, value.clone(), key)?;
        }
    }
    for (table, set_members) in groups {
        let path: Vec<&str> = table.iter().map(String::as_str).collect();
        let key = table.join(".");
        let mut probe = path.clone();
        probe.push("");
        let defaults = group_of(&probe).unwrap_or_default();
        // Current members: as written, else the defaults.
        let written = get_table(doc, &path);
        let mut members: Members = match written {
            Some(t) if !t.is_empty() => t
                .iter()
                .map(|(k, v)| (k.clone(), v.as_float().or_else(|| v.as_integer().map(|i| i as f64)).unwrap_or(0.0)))
                .collect(),
            _ => defaults,
        };
        for (m, _) in &set_members {
            if !members.iter().any(|(k, _)| k == m) {
                members.push((m.clone(), 0.0));
            }
        }
        let fixed: f64 = set_members.iter().map(|(_, v)| v).sum();
        if !(0.0..=1.0 + 1e-9).contains(&fixed) {
            return Err(InputError::at(key.as_str(), format!("the shares set sum to {fixed}, not at most 1"))
                .help("shares of one group sum to 1; the members not set are rescaled to fill what is left"));
        }
        let free: Vec<usize> =
            (0..members.len()).filter(|&i| !set_members.iter().any(|(m, _)| *m == members[i].0)).collect();
        let free_total: f64 = free.iter().map(|&i| members[i].1).sum();
        let left = (1.0 - fixed).max(0.0);
        for &i in &free {
            members[i].1 = if free_total > 0.0 { members[i].1 / free_total * left } else { left / free.len() as f64 };
        }
        for (m, v) in &set_members {
            if let Some(x) = members.iter_mut().find(|(k, _)| k == m) {
                x.1 = *v;
            }
        }
        let mut t = toml::Table::new();
        for (m, v) in members {
            t.insert(m, toml::Value::Float(v));
        }
        set(doc, &path, toml::Value::Table(t), &key)?;
    }
    Ok(())
}

fn get_table<'a>(doc: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Table> {
    let mut t = doc;
    for p in path {
        t = t.get(*p)?.as_table()?;
    }
    Some(t)
}

/// Sets `path` to `value`, creating tables on the way; a non-table in the way is an error.
fn set(doc: &mut toml::Table, path: &[&str], value: toml::Value, key: &str) -> Result<(), InputError> {
    let (last, parents) = path.split_last().ok_or_else(|| InputError::at(key, "is empty"))?;
    let mut t = doc;
    for p in parents {
        let entry = t.entry(p.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry.as_table_mut().ok_or_else(|| {
            InputError::at(key, format!("`{p}` holds a value, not a table, so `{key}` cannot be set"))
        })?;
    }
    t.insert(last.to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> toml::Table {
        s.parse().unwrap()
    }

    #[test]
    fn plain_keys_are_set_and_tables_created() {
        let mut d = doc("name = \"x\"\n[run]\nagents = 10\n");
        apply(&mut d, &[("run.agents".into(), toml::Value::Integer(20)), ("policy.tax.rate".into(), 0.1.into())])
            .unwrap();
        assert_eq!(d["run"]["agents"].as_integer(), Some(20));
        assert_eq!(d["policy"]["tax"]["rate"].as_float(), Some(0.1));
        assert!(apply(&mut d, &[("name.x".into(), 1.into())]).is_err(), "a value in the way");
    }

    #[test]
    fn setting_one_share_rescales_the_others_in_proportion() {
        let mut d = doc("[population]\nstrategies = { cooperator = 0.5, reciprocator = 0.3, free_rider = 0.2 }\n");
        apply(&mut d, &[("population.strategies.free_rider".into(), 0.6.into())]).unwrap();
        let s = &d["population"]["strategies"];
        let (c, r, f) = (
            s["cooperator"].as_float().unwrap(),
            s["reciprocator"].as_float().unwrap(),
            s["free_rider"].as_float().unwrap(),
        );
        assert_eq!(f, 0.6);
        assert!((c - 0.25).abs() < 1e-12 && (r - 0.15).abs() < 1e-12, "{c} {r}");
        // Unwritten groups start from the defaults (0.6, 0.3, 0.1).
        let mut d = doc("name = \"x\"\n");
        apply(&mut d, &[("population.strategies.free_rider".into(), 0.4.into())]).unwrap();
        let s = &d["population"]["strategies"];
        assert!((s["cooperator"].as_float().unwrap() - 0.4).abs() < 1e-12);
        assert!((s["reciprocator"].as_float().unwrap() - 0.2).abs() < 1e-12);
        // Members set together beyond 1 are refused.
        let too_much = [
            ("population.strategies.free_rider".into(), 0.7.into()),
            ("population.strategies.cooperator".into(), 0.5.into()),
        ];
        assert!(apply(&mut doc(""), &too_much).is_err());
    }
}
