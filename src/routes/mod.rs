//! HTTP handlers, one module per area, each with its own `router()`.

pub mod api;
pub mod brand;
pub mod consultant;
pub mod embed;
pub mod erase;
pub mod pages;
pub mod questionnaire;
pub mod report;
pub mod results;
