//! How long one assessment takes, simulation and what-would-change search included.
//! Target: at most 1 ms per call in a release build on a 2-core machine.

#[path = "common/cases.rs"]
mod cases;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use servicefit::rules::{RuleSet, assess};

fn bench_assess(c: &mut Criterion) {
    let rules = RuleSet::embedded();
    let cases = cases::cases();
    let mut group = c.benchmark_group("assess");
    for (name, answers) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| assess(black_box(answers), black_box(&rules)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_assess);
criterion_main!(benches);
