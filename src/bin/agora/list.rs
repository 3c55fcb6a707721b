//! `agora list`: the bundled scenarios and the registered regimes.

use agora::regimes;

/// Prints each bundled scenario with its question, then each regime with its summary.
pub fn list() {
    println!("Bundled scenarios (scenarios/; `sweep` ones run with `agora sweep`):");
    for b in agora::library::bundled() {
        let how = if b.sweep { "sweep" } else { "run" };
        println!("  {:<28} {how:<5}  {}", b.file, b.question);
    }
    println!("\nRegimes:");
    for r in regimes::REGIMES {
        println!("  {:<16} {}", r.name, r.summary);
    }
}
