//! install: preflight, plan the steps that repair what fails, apply them in one transaction.

pub mod apply;
pub mod plan;
pub mod preflight;
