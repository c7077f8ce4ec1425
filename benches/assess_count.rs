//! Runs `assess` a given number of times on one profile, for `benches/assess_instructions.sh`
//! to count instructions with callgrind. Not a timing benchmark: `cargo bench` runs it with
//! no profile, and it does nothing.
//!
//! Usage: assess_count PROFILE_INDEX ITERATIONS

#[path = "common/cases.rs"]
mod cases;

use std::hint::black_box;

use servicefit::rules::{RuleSet, assess};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(profile), Some(iterations)) = (
        args.first().and_then(|a| a.parse::<usize>().ok()),
        args.get(1).and_then(|a| a.parse::<usize>().ok()),
    ) else {
        // `cargo bench` passes `--bench`: nothing to time here.
        return;
    };
    let rules = RuleSet::embedded();
    let cases = cases::cases();
    let Some((_, answers)) = cases.get(profile) else {
        eprintln!(
            "profile {profile} does not exist; there are {}",
            cases.len()
        );
        std::process::exit(2);
    };
    for _ in 0..iterations {
        black_box(assess(black_box(answers), black_box(&rules)));
    }
}
