use super::*;

fn parse(text: &str) -> Result<SweepConfig, InputError> {
    let doc: toml::Table = text.parse().unwrap();
    SweepConfig::parse(doc["sweep"].as_table().unwrap(), text)
}

#[test]
fn parameters_keep_the_order_of_the_file_quoted_or_not() {
    let text = "[sweep]\n\"policy.tax.rate\" = [0.1, 0.2]\nmarket.keep = { from = 0, to = 2, steps = 3 }\n\"adapt.imitate\" = [0.0]\n";
    let c = parse(text).unwrap();
    let keys: Vec<&str> = c.parameters.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["policy.tax.rate", "market.keep", "adapt.imitate"]);
    assert_eq!(c.design, Design::Grid { stop: None });
    assert_eq!(c.seeds, SeedMode::Common);
    // The resolved section reads back the same.
    let again = parse(&c.to_toml()).unwrap();
    assert_eq!(again, c);
}

#[test]
fn shapes_are_checked_per_design_with_the_line() {
    let e = parse("[sweep]\ndesign = \"lhs\"\nn = 4\n\"a.b\" = { from = 0, to = 1, steps = 3 }\n").unwrap_err();
    assert!(e.message.contains("takes no `steps`"), "{e}");
    assert_eq!(e.position.map(|p| p.0), Some(4));
    let e = parse("[sweep]\n\"a.b\" = { from = 0, to = 1 }\n").unwrap_err();
    assert!(e.message.contains("needs `steps`"), "{e}");
    let e = parse("[sweep]\ndesing = \"grid\"\n\"a.b\" = [1]\n").unwrap_err();
    assert!(e.help.unwrap().contains("did you mean `design`"));
    let e = parse("[sweep]\ndesign = \"zip\"\n\"a.b\" = [1, 2]\n\"a.c\" = [1]\n").unwrap_err();
    assert!(e.message.contains("as long"), "{e}");
    let e = parse("[sweep]\n\"run.replicates\" = [1, 2]\n").unwrap_err();
    assert!(e.message.contains("cannot be swept"), "{e}");
    let e = parse("[sweep]\ndesign = \"sobol\"\n\"a.b\" = { from = 0, to = 1 }\n").unwrap_err();
    assert!(e.message.contains("needs `n`"), "{e}");
    let e = parse("[sweep]\n\"a.b\" = [1, 1]\n").unwrap_err();
    assert!(e.message.contains("twice"), "{e}");
    let e =
        parse("[sweep]\ndesign = \"lhs\"\nn = 3\nstop = { metric = \"x\", below = 1 }\n\"a.b\" = [1]\n").unwrap_err();
    assert!(e.message.contains("`stop` is for"), "{e}");
}

#[test]
fn options_and_stop_rules_are_read() {
    let c = parse("[sweep]\ndesign = \"morris\"\ntrajectories = 5\nseeds = \"independent\"\nstop_after = \"1h30m\"\nmetrics = [\"gini_wealth\"]\n\"a.b\" = { from = 0.0, to = 2.0 }\n").unwrap();
    assert_eq!((&c.design, c.seeds), (&Design::Morris { trajectories: 5, levels: 4 }, SeedMode::Independent));
    assert_eq!(c.stop_after, Some(5400.0));
    assert_eq!(c.metrics.as_deref(), Some(&["gini_wealth".to_string()][..]));
    let c =
        parse("[sweep]\nstop = { metric = \"m\", above = 0.5, along = \"a.b\" }\n\"a.b\" = [1, 2]\n\"a.c\" = [1, 2]\n")
            .unwrap();
    let s = c.design.stop().unwrap();
    assert_eq!((s.bound, s.along.as_deref()), (Bound::Above(0.5), Some("a.b")));
    assert!(Bound::Above(0.5).crossed(0.6) && !Bound::Below(0.5).crossed(0.6));
    assert_eq!(parse_duration(&"90".into()), Some(90.0));
    assert_eq!(parse_duration(&"soon".into()), None);
    assert_eq!(parse_duration(&toml::Value::Integer(90)), Some(90.0));
    assert_eq!(parse_duration(&"2m 30s".into()), Some(150.0));
}

#[test]
fn each_design_variant_takes_the_options_its_kind_lists() {
    // `DesignKind::options` (for "`n` is for the lhs and random and sobol design") must name
    // exactly the fields of each `Design` variant: serde refuses every other option.
    let all: Vec<&str> = DesignKind::ALL.iter().flat_map(|d| d.options()).copied().collect();
    for kind in DesignKind::ALL {
        for key in &all {
            let mut options = toml::Table::new();
            options.insert("design".into(), kind.name().into());
            options.insert((*key).into(), toml::Value::Integer(-1));
            let e = options::read(options, "").unwrap_err();
            assert_eq!(e.message.contains("is for the"), !kind.options().contains(key), "{} {key}: {e}", kind.name());
        }
    }
    // Every other option is a field of `SweepConfig`: a bad value is refused at its key.
    for key in OPTIONS.iter().filter(|k| **k != "design" && !all.contains(k)) {
        let mut options = toml::Table::new();
        options.insert((*key).into(), toml::Value::Array(Vec::new()));
        let e = options::read(options, "").unwrap_err();
        assert_eq!(e.key, Some(format!("sweep.{key}")), "{e}");
    }
}
