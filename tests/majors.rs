//! Issue 8: every supported PostgreSQL major. The whole suite runs once per major
//! (scripts/test-majors sets `CPA_PG_BIN`); these tests cover what differs between majors:
//! privileges a newer major added (MAINTAIN, 17), role memberships held once per grantor (16),
//! and the refusal of a server older than 13.
//!
//! No test here skips: a test about a major newer than the one under test (MAINTAIN, 17) runs on
//! a cluster of that major, and the refusal test on a PostgreSQL 12, each obtained from
//! scripts/pg-majors (cached after the first run), so a pass on a developer's 15 means the
//! test ran. A server that cannot be had fails the test.
//!
//! Environment, set by scripts/test-majors: `CPA_PG_MAJOR` (the major this run is meant to
//! test, checked against the server) and `CPA_PG_OLD_BIN` (the bin dir of a PostgreSQL 12, for
//! the refusal test; without it, scripts/pg-majors 12 gives one).

use crate::support::{
    cluster, cluster_of_major, failing_checks as failing, private_cluster_of, Cluster, Run, TestDb,
};

/// The cluster under test when it is of `major` or later, else a cluster of `major`.
fn cluster_from(major: u32) -> &'static Cluster {
    if cluster().major() >= major {
        cluster()
    } else {
        cluster_of_major(major)
    }
}

/// Schema and application role named after the database, so that roles (shared by the whole
/// cluster) cannot collide with those of tests running at the same time.
fn names(db: &TestDb) -> (String, String, String) {
    let schema = db.name().to_string();
    (
        schema.clone(),
        format!("{schema}_app"),
        format!("{schema}_owner"),
    )
}

fn cli(db: &TestDb, schema: &str, role: &str, command: &str) -> Run {
    db.cli(&["--schema", schema, "--role", role, command])
}

fn server_major(db: &TestDb) -> u32 {
    let num: u32 = db.query_strings("SHOW server_version_num")[0]
        .parse()
        .expect("server_version_num is a number");
    num / 10000
}

#[test]
fn the_server_is_the_major_under_test() {
    let db = cluster().create_db("major");
    let major = server_major(&db);
    assert_eq!(
        major,
        db.cluster().major(),
        "the server and its data directory disagree"
    );
    if let Ok(wanted) = std::env::var("CPA_PG_MAJOR") {
        assert_eq!(
            major.to_string(),
            wanted,
            "CPA_PG_MAJOR={wanted} but the cluster runs PostgreSQL {major}: is CPA_PG_BIN right?"
        );
    }
    assert!(
        (13..=18).contains(&major),
        "PostgreSQL {major} is outside the supported range"
    );
}

/// PostgreSQL 17 added MAINTAIN (VACUUM, ANALYZE, REINDEX, CLUSTER, LOCK TABLE): on the session
/// table it would let the application lock every session write out. pgTAP 1.2.0's
/// table_privs_are() does not know it; the checks ask the server for its privilege list.
#[test]
fn maintain_on_the_session_table_is_drift() {
    maintain_is_drift_install_revokes("maintain", "session", false, |verify| {
        assert_eq!(
            failing(verify),
            ["grant.functions", "grant.table"],
            "{verify}"
        );
        assert!(verify.stdout.contains("have: MAINTAIN"), "{verify}");
    });
}

/// MAINTAIN on `table` granted to the application role or (`public`) to PUBLIC: verify fails
/// as `expect` checks, install revokes it, and verify passes again.
fn maintain_is_drift_install_revokes(
    hint: &str,
    table: &str,
    public: bool,
    expect: impl FnOnce(&Run),
) {
    // MAINTAIN exists from PostgreSQL 17 on.
    let db = cluster_from(17).create_db(hint);
    assert!(server_major(&db) >= 17);
    let (schema, role, _) = names(&db);
    cli(&db, &schema, &role, "install").assert_code(0);
    let (grantee, checked) = if public {
        ("PUBLIC".to_string(), "public".to_string())
    } else {
        (format!("\"{role}\""), role.clone())
    };
    db.client()
        .batch_execute(&format!(
            "GRANT MAINTAIN ON \"{schema}\".{table} TO {grantee}"
        ))
        .expect("grant MAINTAIN");

    let verify = cli(&db, &schema, &role, "verify");
    verify.assert_code(1);
    expect(&verify);

    let install = cli(&db, &schema, &role, "install");
    install.assert_code(0);
    let held = db.query_strings(&format!(
        "SELECT has_table_privilege('{checked}', '\"{schema}\".{table}', 'MAINTAIN')"
    ));
    assert_eq!(held, ["f"], "install left MAINTAIN in place\n{install}");
    cli(&db, &schema, &role, "verify").assert_code(0);
}

/// From PostgreSQL 16 on, the same membership can be held once per grantor, and a plain
/// REVOKE by a superuser removes only the grant recorded for the bootstrap superuser: install
/// used to leave the other one, fail its re-check and roll back. Before 16 there is one row,
/// removed whoever granted it.
#[test]
fn membership_in_the_owner_role_from_another_grantor_is_revoked() {
    let db = cluster().create_db("grantors");
    let _roles = db.cluster().global_lock();
    let (schema, role, owner) = names(&db);
    let grantor = format!("{schema}_grantor");
    cli(&db, &schema, &role, "install").assert_code(0);
    let mut admin = db.client();
    admin
        .batch_execute(&format!(
            "CREATE ROLE \"{grantor}\";
             GRANT \"{owner}\" TO \"{grantor}\" WITH ADMIN OPTION;
             SET ROLE \"{grantor}\";
             GRANT \"{owner}\" TO \"{role}\";
             RESET ROLE;
             GRANT \"{owner}\" TO \"{role}\";"
        ))
        .expect("grant the owner role to the application role twice");
    let memberships = || {
        db.query_strings(&format!(
            "SELECT m.roleid::regrole || ' by ' || m.grantor::regrole FROM pg_auth_members m
              WHERE m.member = '\"{role}\"'::regrole ORDER BY 1"
        ))
    };
    let rows = if server_major(&db) >= 16 { 2 } else { 1 };
    assert_eq!(memberships().len(), rows, "{:?}", memberships());

    let verify = cli(&db, &schema, &role, "verify");
    verify.assert_code(1);
    assert!(
        failing(&verify).contains(&"grant.membership".to_string()),
        "{verify}"
    );
    let install = cli(&db, &schema, &role, "install");
    install.assert_code(0);
    assert_eq!(
        memberships(),
        Vec::<String>::new(),
        "memberships left by install\n{install}"
    );
    cli(&db, &schema, &role, "verify").assert_code(0);

    admin
        .batch_execute(&format!(
            "DROP OWNED BY \"{grantor}\"; DROP ROLE \"{grantor}\";"
        ))
        .expect("drop the grantor");
}

/// Below the supported range the tool stops before it changes anything: exit 5, one line
/// naming the server's version and the oldest supported one.
#[test]
fn server_older_than_13_is_refused() {
    let old = match std::env::var_os("CPA_PG_OLD_BIN") {
        Some(bin) => private_cluster_of(std::path::Path::new(&bin)),
        None => cluster_of_major(12),
    };
    assert_eq!(old.major(), 12, "CPA_PG_OLD_BIN is not a PostgreSQL 12");
    let db = old.create_db("too_old");
    let before = db.snapshot();
    for command in ["verify", "install"] {
        let run = db.cli(&[command]);
        run.assert_code(5);
        let err = run.stderr.trim_end();
        assert_eq!(err.lines().count(), 1, "{run}");
        assert!(
            err.contains("PostgreSQL 12.") && err.contains("PostgreSQL 13 and later"),
            "{run}"
        );
        assert!(run.stdout.is_empty(), "{run}");
    }
    assert_eq!(before, db.snapshot(), "a refused run changed the database");
    let made = db.query_strings(
        "SELECT count(*) FROM pg_roles WHERE rolname IN ('nodepg', 'web_owner')
         UNION ALL SELECT count(*) FROM pg_namespace WHERE nspname = 'web'",
    );
    assert_eq!(
        made,
        ["0", "0"],
        "a refused run created roles or the schema"
    );
}

/// The same for install_history: MAINTAIN granted to PUBLIC reaches every role.
#[test]
fn maintain_on_install_history_for_public_is_drift() {
    maintain_is_drift_install_revokes("maintain_history", "install_history", true, |verify| {
        assert!(failing(verify).contains(&"history".to_string()), "{verify}");
    });
}
