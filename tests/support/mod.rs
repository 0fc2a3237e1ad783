//! The integration-test harness: throwaway PostgreSQL clusters (`cluster()`,
//! `cluster_without_pgtap()`, `private_cluster()`, `private_cluster_without_pgtap()`), a
//! database per test (`Cluster::create_db` → `TestDb`, dropped on success and kept on
//! failure), the real binary run against it
//! (`TestDb::cli`, `bin()`, `Run`), a store of the test's own names (`Store`: schema, roles,
//! the CLI with them, connections as the application role), catalog snapshots for "nothing
//! changed" assertions (`TestDb::snapshot`), output snapshots (`assert_snapshot`) and
//! streaming hot standbys of a private primary (`standby()`, `private_standby()`,
//! `Cluster::start_standby`).
//!
//! Environment: `CPA_PG_BIN` (the PostgreSQL bin dir to test against), `CPA_PG_SHARE` (its
//! share dir, if it cannot be found), `CPA_KEEP_CLUSTER=1` (leave the clusters running at
//! exit), `CPA_CLI_TIMEOUT_SECS` (kill a CLI run after this long, default 120),
//! `CPA_HARNESS_VERBOSE` (print where clusters start).

pub mod citus;
mod cluster;
mod db;
mod golden;
mod install;
pub mod pty;
mod run;
mod snapshot;
mod standby;
mod store;
mod tls;

pub use citus::CITUS_MAJOR;
pub use cluster::{
    cluster, cluster_of_major, cluster_without_pgtap, private_cluster, private_cluster_of,
    private_cluster_without_pgtap, Cluster,
};
pub use db::TestDb;
pub use golden::assert_snapshot;
pub use run::{bin, failing_checks, failing_in_json, run, run_with_stdin, Run};
pub use standby::{private_standby, standby, Standby};
pub use store::Store;

use std::process::Command;

/// Removes every libpq variable (`PG*`) and `DATABASE_URL` the test process inherited, so
/// that neither the machine's own PostgreSQL settings nor a developer's shell leak into a
/// child.
pub(crate) fn scrub_pg_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key_str = key.to_string_lossy();
        if key_str.starts_with("PG") || key_str == "DATABASE_URL" {
            cmd.env_remove(&key);
        }
    }
}

/// A postgres error with the server's message, SQLSTATE and detail (its `Display` says only
/// "db error").
pub fn pg_error(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!(
                "{}: {} (SQLSTATE {})",
                db.severity(),
                db.message(),
                db.code().code()
            );
            if let Some(detail) = db.detail() {
                s.push_str(&format!("\nDETAIL: {detail}"));
            }
            if let Some(hint) = db.hint() {
                s.push_str(&format!("\nHINT: {hint}"));
            }
            s
        }
        None => format!("{e:?}"),
    }
}

/// `?` with a message saying what was being done.
pub(crate) trait Context<T> {
    fn ctx<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Context<T> for Result<T, E> {
    fn ctx<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T, String> {
        self.map_err(|e| format!("{}: {e}", what().into()))
    }
}

/// How many checks verify runs on a single-node store (docs/checks.md). One number for every
/// test that reads "All N checks pass", so a new check changes one line, not five files.
pub const CHECKS: usize = 74;

/// The behaviour checks (docs/checks.md), in their order: a legacy layout fails all of them
/// (tests/upgrade.rs), as a session table without its key does (tests/drift.rs).
pub const BEHAVIOUR: &[&str] = &[
    "behaviour.set_get",
    "behaviour.update",
    "behaviour.expired",
    "behaviour.null_expiration",
    "behaviour.destroy",
    "behaviour.count",
    "behaviour.clear",
];
