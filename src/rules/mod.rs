//! The advisor's brain: pure functions from answers and a rule set to an outcome. No I/O.

pub mod answers;
pub mod outcome;

pub use answers::{Answers, FieldError, RawAnswers};
pub use outcome::{Confidence, Outcome, Verdict};
