//! Issue 2: install and verify on a real server — fresh install, idempotence, the contract's
//! behaviour through the application role, permissions, drift naming one check, pgTAP
//! loading, and bad connection input.

use crate::support::{cluster, cluster_without_pgtap, failing_checks as failing, Run, TestDb};

/// Installs with an application role of this test's own (roles are cluster-wide and tests
/// run in parallel), gives it `password`, and returns its name.
fn install_with_own_role(db: &crate::support::TestDb, password: &str) -> String {
    let role = format!("{}_app", db.name());
    let run = db.cli(&["install", "--role", &role]);
    assert_eq!(run.code, 0, "{run}");
    db.client()
        .batch_execute(&format!("ALTER ROLE {role} PASSWORD '{password}'"))
        .unwrap();
    role
}

fn assert_one_clean_line(run: &Run) {
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "expected one line on stderr\n{run}");
    assert!(err.starts_with("connect-pg-admin: error: "), "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");
}

#[test]
fn fresh_install_passes_verify_and_second_install_changes_nothing() {
    let db = cluster().create_db("fresh");
    let role = format!("{}_app", db.name());
    let install = db.cli(&["install", "--role", &role]);
    assert_eq!(install.code, 0, "{install}");
    assert!(install.stdout.contains("committed"), "{install}");
    assert!(install.stdout.contains("applied grants"), "{install}");

    let verify = db.cli(&["verify", "--role", &role]);
    assert_eq!(verify.code, 0, "{verify}");
    assert!(failing(&verify).is_empty(), "{verify}");
    let oks = verify
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok"))
        .count();
    assert!(oks >= 50, "expected every check listed as ok\n{verify}");

    let before = db.snapshot();
    let again = db.cli(&["install", "--role", &role]);
    assert_eq!(again.code, 0, "{again}");
    assert!(again.stdout.starts_with("Nothing to do"), "{again}");
    assert_eq!(
        before,
        db.snapshot(),
        "a second install changed the database"
    );
}

#[test]
fn defaults_are_schema_web_and_role_nodepg() {
    let db = cluster().create_db("defaults");
    assert_eq!(db.cli(&["install"]).code, 0);
    assert_eq!(db.cli(&["verify"]).code, 0);
    assert_eq!(
        db.query_strings(
            "SELECT n.nspname || ' ' || pg_get_userbyid(n.nspowner) || ' ' || has_schema_privilege('nodepg', n.oid, 'USAGE')
               FROM pg_namespace n WHERE nspname = 'web'"
        ),
        ["web web_owner true"]
    );
}

#[test]
fn verify_on_an_empty_database_fails_and_changes_nothing() {
    let db = cluster().create_db("empty_verify");
    let before = db.snapshot();
    let verify = db.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert!(failing(&verify).contains(&"schema".to_string()), "{verify}");
    assert_eq!(before, db.snapshot());
}

#[test]
fn contract_behaviour_through_the_application_role() {
    let db = cluster().create_db("behaviour");
    let role = install_with_own_role(&db, "behaviour-test-pw");
    let mut app = db
        .client_as(&role, "behaviour-test-pw")
        .expect("the application role logs in");

    let get = |app: &mut postgres::Client, id: &str| -> Vec<String> {
        app.query("SELECT web.get_session_data($1)", &[&id])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect()
    };
    let count = |app: &mut postgres::Client| -> i32 {
        app.query_one("SELECT web.count_sessions()", &[])
            .unwrap()
            .get(0)
    };
    let set = |app: &mut postgres::Client, id: &str, data: &str, interval: Option<&str>| {
        let sql = match interval {
            Some(i) => format!("SELECT web.set_session_data($1, $2, now() + interval '{i}')"),
            None => "SELECT web.set_session_data($1, $2, NULL)".to_string(),
        };
        app.execute(sql.as_str(), &[&id, &data]).unwrap();
    };

    // set, get, update without a duplicate row
    set(&mut app, "s1", "{\"a\":1}", Some("1 hour"));
    assert_eq!(get(&mut app, "s1"), ["{\"a\":1}"]);
    set(&mut app, "s1", "{\"a\":2}", Some("1 hour"));
    assert_eq!(get(&mut app, "s1"), ["{\"a\":2}"]);
    assert_eq!(
        db.query_strings("SELECT count(*) FROM web.session WHERE sess_id = 's1'"),
        ["1"]
    );
    // miss
    assert!(get(&mut app, "nope").is_empty());
    // NULL expiration is returned and counted
    set(&mut app, "forever", "f", None);
    assert_eq!(get(&mut app, "forever"), ["f"]);
    assert_eq!(count(&mut app), 2);
    // expired: not returned, not counted, gone after the write
    set(&mut app, "old", "o", Some("-1 minute"));
    assert!(get(&mut app, "old").is_empty());
    assert_eq!(count(&mut app), 2);
    assert_eq!(
        db.query_strings("SELECT count(*) FROM web.session WHERE sess_id = 'old'"),
        ["0"],
        "an expired session must be gone after the write"
    );
    // an expired row left by someone else is swept by later writes, and never returned meanwhile
    db.client()
        .batch_execute(
            "ALTER TABLE web.session DISABLE TRIGGER delete_expired_trig;
             INSERT INTO web.session VALUES ('stale', 'x', now() - interval '1 day');
             ALTER TABLE web.session ENABLE TRIGGER delete_expired_trig;",
        )
        .unwrap();
    assert!(get(&mut app, "stale").is_empty());
    assert_eq!(count(&mut app), 2);
    // One write in 128 sweeps (at random, see sql/steps/function.remove_expired.sql): 4000 writes
    // all missing it has a chance of (127/128)^4000, about 2e-14.
    let mut su = db.client();
    let mut stale: i64 = 1;
    for _ in 0..4000 {
        set(&mut app, "s2", "b", Some("1 hour"));
        stale = su
            .query_one(
                "SELECT count(*) FROM web.session WHERE sess_id = 'stale'",
                &[],
            )
            .unwrap()
            .get(0);
        if stale == 0 {
            break;
        }
    }
    assert_eq!(stale, 0, "later writes sweep expired rows");
    // destroy removes exactly that session
    app.execute("SELECT web.destroy_session($1)", &[&"s1"])
        .unwrap();
    assert!(get(&mut app, "s1").is_empty());
    assert_eq!(get(&mut app, "s2"), ["b"]);
    assert_eq!(count(&mut app), 2);
    // clear removes everything
    app.execute("SELECT web.clear_sessions()", &[]).unwrap();
    assert_eq!(count(&mut app), 0);
    assert_eq!(db.query_strings("SELECT count(*) FROM web.session"), ["0"]);
}

#[test]
fn application_role_cannot_touch_the_table_schema_or_trigger_function() {
    let db = cluster().create_db("perms");
    let role = install_with_own_role(&db, "perms-test-pw");
    let mut app = db.client_as(&role, "perms-test-pw").unwrap();
    for sql in [
        "SELECT * FROM web.session",
        "INSERT INTO web.session VALUES ('x', 'y', NULL)",
        "UPDATE web.session SET sess_data = 'z'",
        "DELETE FROM web.session",
        "CREATE TABLE web.planted (x int)",
        "CREATE FUNCTION web.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "SELECT web.remove_expired()",
    ] {
        let err = app.batch_execute(sql).expect_err(sql);
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {err}"
        );
    }
}

/// A database with the store installed under the default names, then `drift` run on it.
fn installed_then(hint: &str, drift: &str) -> TestDb {
    let db = cluster().create_db(hint);
    assert_eq!(db.cli(&["install"]).code, 0);
    db.client()
        .batch_execute(drift)
        .unwrap_or_else(|e| panic!("{drift}: {}", crate::support::pg_error(&e)));
    db
}

#[test]
fn verify_names_exactly_the_missing_index() {
    let db = installed_then("drift_index", "DROP INDEX web.expire_idx");
    let verify = db.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert_eq!(failing(&verify), ["expire_idx"], "{verify}");
    let install = db.cli(&["install"]);
    assert_eq!(install.code, 0, "{install}");
    assert!(install.stdout.contains("applied expire_idx"), "{install}");
    assert_eq!(
        install.stdout.matches("applied ").count(),
        1,
        "only the index step runs\n{install}"
    );
    assert_eq!(db.cli(&["verify"]).code, 0);
}

#[test]
fn tap_format_is_tap() {
    let db = installed_then("tap", "DROP TRIGGER delete_expired_trig ON web.session");
    let verify = db.cli(&["verify", "--format", "tap"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert!(verify.stdout.starts_with("TAP version 1"), "{verify}");
    let not_ok: Vec<_> = verify
        .stdout
        .lines()
        .filter(|l| l.starts_with("not ok"))
        .collect();
    // Without the trigger an expired session survives its write: the behaviour check sees it.
    assert_eq!(not_ok.len(), 2, "{verify}");
    assert!(not_ok[0].contains(" - trigger: "), "{verify}");
    assert!(not_ok[1].contains(" - behaviour.expired: "), "{verify}");
    let plan = verify
        .stdout
        .lines()
        .find(|l| l.starts_with("1.."))
        .expect("a plan line");
    let n: usize = plan[3..].parse().unwrap();
    assert_eq!(
        verify
            .stdout
            .lines()
            .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
            .count(),
        n
    );
}

#[test]
fn no_trace_of_pgtap_when_it_was_not_installed() {
    let db = cluster().create_db("pgtap_trace");
    let pgtap_objects = "SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'pgtap')
                              + (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'connect_pg_admin%')
                              + (SELECT count(*) FROM pg_proc WHERE proname = 'plan')";
    assert_eq!(db.cli(&["install"]).code, 0);
    assert_eq!(db.query_strings(pgtap_objects), ["0"]);
    assert_eq!(db.cli(&["verify"]).code, 0);
    assert_eq!(db.query_strings(pgtap_objects), ["0"]);
    // Installed by the user: used, and left where it was.
    db.client().batch_execute("CREATE EXTENSION pgtap").unwrap();
    let before = db.snapshot();
    assert_eq!(db.cli(&["verify"]).code, 0);
    assert_eq!(db.cli(&["install"]).code, 0);
    assert_eq!(before, db.snapshot());
}

#[test]
fn no_pgtap_on_the_server_is_a_clear_error_and_changes_nothing() {
    let db = cluster_without_pgtap().create_db("no_pgtap");
    let before = db.snapshot();
    for cmd in ["install", "verify"] {
        let run = db.cli(&[cmd]);
        assert_eq!(run.code, 5, "{run}");
        assert_one_clean_line(&run);
        assert!(run.stderr.contains("pgTAP"), "{run}");
        assert!(
            run.stderr.contains(&format!(
                "postgresql-{}-pgtap",
                cluster_without_pgtap().major()
            )),
            "{run}"
        );
    }
    assert_eq!(before, db.snapshot());
}

#[test]
fn two_installs_with_different_names_do_not_interfere() {
    let db = cluster().create_db("two_names");
    // The store in schema `name`, application role `<name>_app`.
    let named = |command: &str, name: &str| {
        let role = format!("{name}_app");
        db.cli(&[command, "--schema", name, "--role", &role])
    };
    for command in ["install", "verify"] {
        for name in ["alpha", "beta"] {
            named(command, name).assert_code(0);
        }
    }
    db.client()
        .batch_execute("DROP INDEX alpha.expire_idx")
        .unwrap();
    let a = named("verify", "alpha");
    assert_eq!(failing(&a), ["expire_idx"], "{a}");
    named("verify", "beta").assert_code(0);
    // Each application role reaches its own schema only.
    db.client()
        .batch_execute("ALTER ROLE beta_app PASSWORD 'beta-pw'")
        .unwrap();
    let mut beta = db.client_as("beta_app", "beta-pw").unwrap();
    assert!(beta.query("SELECT alpha.count_sessions()", &[]).is_err());
    assert!(beta.query("SELECT beta.count_sessions()", &[]).is_ok());
}

#[test]
fn application_role_is_created_without_a_password() {
    let db = cluster().create_db("no_default_pw");
    let role = format!("{}_app", db.name());
    assert_eq!(db.cli(&["install", "--role", &role]).code, 0);
    assert_eq!(
        db.query_strings(&format!(
            "SELECT rolcanlogin AND rolpassword IS NULL FROM pg_authid WHERE rolname = '{role}'"
        )),
        ["t"]
    );
    assert!(db.client_as(&role, "password").is_err());
    assert!(db.client_as(&role, "").is_err());
}

#[test]
fn bad_connection_input_is_one_clear_line() {
    let db = cluster().create_db("bad_conn");
    let port = cluster().port().to_string();
    // A closed port: bind one and drop it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // (DSN, extra environment, exit code, a word the message must contain)
    type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, i32, &'a str);
    let cases: Vec<Case> = vec![
        (vec![format!("host=127.0.0.1 port={closed} user=postgres dbname=x sslmode=disable connect_timeout=3")], vec![], 3, "127.0.0.1"),
        (vec![format!("host=127.0.0.1 port={port} user=postgres dbname={} sslmode=disable", db.name())], vec![("PGPASSWORD", "wrong-password")], 3, "postgres"),
        (vec![format!("host=127.0.0.1 port={port} user=postgres dbname=no_such_db sslmode=disable")], vec![], 3, "no_such_db"),
        (vec!["host='unterminated".to_string()], vec![], 2, ""),
        (vec!["postgres://user:secret@[::1".to_string()], vec![], 2, ""),
        (vec!["nonsense_key=1".to_string()], vec![], 2, "nonsense_key"),
    ];
    for (dsn, env, code, mentions) in cases {
        let mut cmd = crate::support::bin();
        cmd.args(["verify", "--dsn", &dsn[0]]);
        cmd.env("PGPASSWORD", cluster().superuser_password());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let run = crate::support::run(cmd);
        assert_eq!(run.code, code, "{}\n{run}", dsn[0]);
        assert_one_clean_line(&run);
        assert!(run.stderr.contains(mentions), "{run}");
        assert!(
            !run.stderr.contains("secret") && !run.stderr.contains("wrong-password"),
            "{run}"
        );
        assert!(
            !run.stderr.contains(cluster().superuser_password()),
            "{run}"
        );
    }
}

fn tls_run(sslmode: &str, host: &str, root: &std::path::Path) -> Run {
    let db = cluster().create_db("tls");
    let dsn = format!(
        "host={host} hostaddr=127.0.0.1 port={} user=postgres dbname={} sslmode={sslmode} sslrootcert={}",
        cluster().port(),
        db.name(),
        root.display()
    );
    let mut cmd = crate::support::bin();
    cmd.args(["install", "--dsn", &dsn])
        .env("PGPASSWORD", cluster().superuser_password());
    crate::support::run(cmd)
}

/// `tls_run`, which must exit with `code`; a refused connection (3) must say so in one clean
/// line.
#[track_caller]
fn assert_tls(sslmode: &str, host: &str, root: &std::path::Path, code: i32) -> Run {
    let run = tls_run(sslmode, host, root);
    run.assert_code(code);
    if code == 3 {
        assert_one_clean_line(&run);
    }
    run
}

#[test]
fn tls_verify_full_succeeds_with_the_right_ca_and_host() {
    assert_tls("verify-full", "localhost", cluster().ca_cert(), 0);
}

#[test]
fn tls_verify_full_refuses_a_wrong_host_name() {
    assert_tls("verify-full", "wrong.example", cluster().ca_cert(), 3);
    // verify-ca checks the chain only, so the same name is accepted there.
    assert_tls("verify-ca", "wrong.example", cluster().ca_cert(), 0);
}

#[test]
fn tls_verify_full_refuses_an_unknown_ca() {
    let run = assert_tls("verify-full", "localhost", cluster().other_ca_cert(), 3);
    assert!(run.stderr.to_lowercase().contains("certificate"), "{run}");
}

#[test]
fn tls_is_really_used() {
    let db = cluster().create_db("tls_used");
    let dsn = format!(
        "host=localhost hostaddr=127.0.0.1 port={} user=postgres dbname={} sslmode=require application_name=cpa_tls_probe",
        cluster().port(),
        db.name()
    );
    // Hold the install lock so the tool's connection stays open long enough to be seen
    // in pg_stat_ssl.
    let mut holder = db.client();
    holder
        .batch_execute(
            "BEGIN; SELECT pg_advisory_lock(hashtext('connect-pg-admin'), hashtext('web'))",
        )
        .unwrap();
    let mut cmd = crate::support::bin();
    cmd.args(["install", "--dsn", &dsn, "--wait", "20s"])
        .env("PGPASSWORD", cluster().superuser_password());
    let child = cmd.spawn().unwrap();
    let mut ssl = Vec::new();
    for _ in 0..100 {
        ssl = db.query_strings(
            "SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'cpa_tls_probe'",
        );
        if !ssl.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    holder
        .batch_execute(
            "SELECT pg_advisory_unlock(hashtext('connect-pg-admin'), hashtext('web')); COMMIT",
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(ssl, ["true"], "the tool's connection must be encrypted");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn readme_commands_and_ci_agree() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let ci = std::fs::read_to_string(format!("{root}/.ci/run")).unwrap();
    assert!(
        readme.contains("scripts/quickstart"),
        "README names the main command"
    );
    assert!(
        readme.contains("scripts/test"),
        "README names the test command"
    );
    assert!(
        ci.lines().any(|l| l.trim() == "exec scripts/test"),
        ".ci/run runs exactly the test command"
    );
    for script in ["scripts/quickstart", "scripts/test", "scripts/deps"] {
        let meta = std::fs::metadata(format!("{root}/{script}")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert!(
            meta.permissions().mode() & 0o111 != 0,
            "{script} is executable"
        );
    }
}
