//! No input makes the scenario parser panic: random text, random bytes, and random edits of a
//! valid file all give either a scenario or an error.

use agora::plan::parse;
use agora::scenario::Overrides;
use proptest::prelude::*;

const VALID: &str = include_str!("../data/good/every_network.toml");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_text_never_panics(src in "\\PC{0,300}") {
        let _ = parse(&src, None, &Overrides::default());
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = parse(&src, None, &Overrides::default());
    }

    #[test]
    fn random_edits_of_a_valid_file_never_panic(pos in 0usize..VALID.len(), len in 0usize..8, insert in "[-0-9a-z_.=\\[\\]{}\" \n]{0,12}") {
        let mut s = VALID.to_string();
        let start = (0..=pos).rev().find(|&p| s.is_char_boundary(p)).unwrap_or(0);
        let end = (start + len..=s.len()).find(|&p| s.is_char_boundary(p)).unwrap_or(s.len());
        s.replace_range(start..end, &insert);
        match parse(&s, None, &Overrides::default()) {
            Ok(sc) => prop_assert!(sc.run.agents >= 2),
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }

    #[test]
    fn any_number_in_any_numeric_key_is_accepted_or_explained(key in prop::sample::select(vec![
        "run.agents", "run.steps", "population.decay", "population.base_output", "resource.regrowth",
        "knowledge.obsolescence", "adapt.imitate", "population.initial_stock",
    ]), value in prop_oneof![any::<i64>().prop_map(|v| v.to_string()), any::<f64>().prop_map(|v| format!("{v:?}")), Just("nan".to_string()), Just("-inf".to_string())]) {
        let (table, k) = key.split_once('.').unwrap();
        let src = format!("name = \"p\"\nregimes = [\"autarky\"]\n[{table}]\n{k} = {value}\n");
        if let Err(e) = parse(&src, None, &Overrides::default()) {
            prop_assert!(e.key.is_some() || e.position.is_some(), "error without a place: {e}");
        }
    }
}
