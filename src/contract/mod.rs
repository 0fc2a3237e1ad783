//! The contract as data and the machinery that tests it: the catalog of checks and steps, the
//! template renderer for their SQL files, and the pgTAP runner.

pub mod catalog;
pub mod checks;
mod citus;
#[cfg(test)]
mod sql_lint;
pub mod template;
