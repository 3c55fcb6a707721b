//! Fuzzes parsing, validation and planning: any text, and any command-line overrides, must
//! give a plan or a located input error, never a panic, a hang or an unbounded allocation.
//! A plan's resolved scenario must plan again to the same resolved scenario, and its memory
//! estimate must not panic.
#![no_main]

use agora::scenario::Overrides;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte chooses command-line overrides, so that they are fuzzed with the file.
    let (choice, rest) = match data.split_first() {
        Some((c, r)) => (*c, r),
        None => return,
    };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let big = |bit: u8, small: u64| (choice & bit != 0).then_some(if choice & 0x80 != 0 { u64::MAX } else { small });
    let overrides = Overrides {
        agents: big(1, 3),
        steps: big(2, 5),
        replicates: big(4, 2),
        seed: big(8, 1 << 63),
        warmup: big(16, 4),
        out: None,
    };
    let Ok(plan) = agora::plan::parse(text, None, &overrides) else { return };
    let _ = agora::engine::memory::estimate(&plan, 4);
    // What a run saves as `scenario.resolved.toml` must read back to itself.
    let again = agora::plan::parse(&plan.resolved_toml, None, &Overrides::default())
        .unwrap_or_else(|e| panic!("the resolved scenario does not plan again: {e}\n{}", plan.resolved_toml));
    assert_eq!(again.resolved_toml, plan.resolved_toml, "the resolved scenario changed when planned again");
});
