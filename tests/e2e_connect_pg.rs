//! The real client, end to end: the published npm package connect-pg@1.1.5, unchanged, with
//! connect and pg pinned in tests/e2e/package-lock.json (installed here with `npm ci` from the
//! npm registry), run as the application role against a database that `install` made and
//! whose password `set-password` set. Its JavaScript hard-codes schema `web`, so the test
//! uses the default names on a private cluster, where no other test shares role `nodepg`.
//!
//! Versions: connect 1.8.7 is the connect 1.x line connect-pg 1.1.x was written against
//! (`require('connect').session.Store`, Express 2). pg is 8.0.3: every pg of connect-pg's own
//! time (0.5 to 0.15) and every later one before 8.0.3 never gets past connecting on Node.js
//! 14 or later (they wait for a socket 'connect' event that a fresh net.Socket no longer
//! needs), and SCRAM-SHA-256, which set-password writes, came only with pg 7.9. 8.0.3 is the
//! oldest pg that runs here and authenticates with it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{private_cluster, run, TestDb};

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e")
}

/// `npm ci`: exactly the lockfile's versions, from the npm registry, no install scripts.
pub(crate) fn npm_ci() {
    let mut cmd = Command::new("npm");
    cmd.current_dir(e2e_dir())
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]);
    let r = run(cmd);
    assert_eq!(
        r.code, 0,
        "npm ci failed (is the npm registry reachable?)\n{r}"
    );
}

#[test]
fn connect_pg_1_1_5_works_against_an_installed_database() {
    npm_ci();
    let db = private_cluster().create_db("e2e_connect_pg");
    let password = "e2e pässword with 'quotes' and $dollars";
    install_with_password(&db, password);
    assert_driver_works(&db, password);
}

/// `install` with the default names, then `set-password` gives nodepg `password`.
pub(crate) fn install_with_password(db: &TestDb, password: &str) {
    db.cli(&["install"]).assert_code(0);
    db.cli_with(
        &["set-password", "--password-stdin"],
        &[],
        Some(format!("{password}\n").as_bytes()),
    )
    .assert_code(0);
}

/// Runs the driver as nodepg with `password` against `db` and checks everything it saw; at
/// the end the store is empty (the driver clears it) and verify passes.
pub(crate) fn assert_driver_works(db: &TestDb, password: &str) {
    let mut cmd = Command::new("node");
    cmd.current_dir(e2e_dir())
        .arg("driver.js")
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", db.cluster().port().to_string())
        .env("PGDATABASE", db.name())
        .env("PGUSER", "nodepg")
        .env("PGPASSWORD", password);
    let r = run(cmd);
    assert_eq!(r.code, 0, "the connect-pg driver failed\n{r}");
    let observed: serde_json::Value =
        serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("{e}\n{r}"));

    assert_eq!(observed["versions"]["connect-pg"], "1.1.5", "{observed}");
    assert_eq!(observed["versions"]["connect"], "1.8.7", "{observed}");
    assert_eq!(observed["versions"]["pg"], "8.0.3", "{observed}");
    assert_eq!(observed["is_connect_store"], true);

    let alice = &observed["get_alice"];
    assert_eq!(alice["user"], "alice", "{observed}");
    assert_eq!(
        alice["note"], "it's \"quoted\" \u{e9}\u{4e2d}",
        "{observed}"
    );
    assert_eq!(alice["cookie"]["httpOnly"], true);
    assert_eq!(observed["get_forever"]["user"], "bob", "{observed}");
    // Set with an expiration in the past: not returned, not counted.
    assert!(observed["get_expired"].is_null(), "{observed}");
    assert!(observed["get_unknown"].is_null(), "{observed}");
    assert_eq!(observed["length_after_set"], 2, "{observed}");
    assert_eq!(observed["get_alice_updated"]["user"], "alice again");
    assert_eq!(observed["length_after_update"], 2, "{observed}");
    assert!(observed["get_alice_destroyed"].is_null(), "{observed}");
    assert_eq!(observed["length_after_destroy"], 1, "{observed}");
    assert_eq!(observed["length_after_clear"], 0, "{observed}");
    assert!(observed["get_forever_cleared"].is_null(), "{observed}");

    // The store was really used as nodepg, and clear left the table empty.
    let rows = db.query_strings("select count(*) from web.session");
    assert_eq!(rows, ["0"]);
    db.cli(&["verify"]).assert_code(0);
}
