//! Running where operators point the tool: hot standbys and read-only databases, clusters whose
//! roles several stores share, installs running in parallel, the application's long
//! transactions, least-privilege connections, and the usage and password-source rules checked
//! before connecting (issue 14).

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use crate::support::{
    cluster, cluster_without_pgtap, private_cluster, private_standby, standby, Run, Standby, Store,
    CHECKS,
};

/// The run's stderr is exactly one line and contains every one of `parts`.
#[track_caller]
fn one_line_with(run: &Run, parts: &[&str]) {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr\n{run}");
    for part in parts {
        assert!(lines[0].contains(part), "stderr lacks {part:?}\n{run}");
    }
}

/// status names a read-only server at the end of its first line, the target.
#[track_caller]
fn target_line_says(status: &Run, kind: &str) {
    let first = status.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("target") && first.ends_with(kind),
        "status's target line does not end with {kind}\n{status}"
    );
}

/// A dsn no server listens on: what is refused before connecting must not need one.
fn nowhere() -> String {
    "host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2".to_string()
}

#[test]
fn on_a_hot_standby_status_works_and_says_so_verify_and_the_writers_refuse() {
    let standby = standby();
    let store = Store::on(standby.primary(), "ops_standby").installed();
    standby.catch_up();

    let status = standby.cli(&store.db, &store.args(&["status"]));
    status.assert_code(0);
    target_line_says(&status, "(hot standby)");
    assert!(
        status
            .stdout
            .contains("checks      not run: verify cannot run on a hot standby"),
        "{status}"
    );
    assert!(
        status.stdout.contains("sessions    0 live, 0 expired"),
        "the parts that only read still show\n{status}"
    );
    let json = standby.cli(&store.db, &store.args(&["--format", "json", "status"]));
    json.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("status json");
    assert_eq!(doc["status"]["read_only"], "hot standby", "{json}");

    // Why verify cannot run there at all: pgTAP records each result in a temporary table.
    let mut on_standby = standby.server().admin(store.db.name());
    let temp = on_standby
        .batch_execute("CREATE TEMP TABLE cpa_probe (n int)")
        .expect_err("a hot standby creates no temporary table");
    assert_eq!(
        temp.code(),
        Some(&postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION)
    );

    let verify = standby.cli(&store.db, &store.args(&["verify"]));
    verify.assert_code(5);
    one_line_with(
        &verify,
        &[
            "verify cannot run on a hot standby",
            "temporary tables",
            "verify the primary",
        ],
    );
}

#[test]
fn on_a_hot_standby_the_writers_refuse_before_their_first_statement() {
    // A standby of its own, so that its log holds only these runs' statements.
    let standby = private_standby();
    let store = Store::on(standby.primary(), "ops_standby_writers").installed();
    standby.wait_for_replay(&standby.primary_lsn());
    refuse_writers(standby, &store);
}

fn refuse_writers(standby: &Standby, store: &Store) {
    for args in [
        vec!["install"],
        vec!["set-password", "--generate"],
        vec!["uninstall", "--yes"],
        vec!["install", "--dry-run"],
        vec!["sweep"],
    ] {
        let log_start = standby.server().log_len();
        let run = standby.cli(&store.db, &store.args(&args));
        run.assert_code(5);
        one_line_with(
            &run,
            &[
                &format!("{} refused, nothing was attempted", args[0]),
                "hot standby",
                "against the primary",
            ],
        );
        assert!(run.stdout.is_empty(), "{run}");
        let log = standby.server().log_since(log_start);
        // log_statement = all: the pinning statement (which reads pg_is_in_recovery()) is the
        // only one the server saw.
        assert!(
            log.contains("pg_is_in_recovery"),
            "the pinning statement is logged\n{log}"
        );
        assert_eq!(
            log.matches("LOG:  statement:").count() + log.matches("LOG:  execute ").count(),
            1,
            "a statement after the pinning one was attempted\n{run}\n{log}"
        );
    }
}

/// The entries of a server log (`log_line_prefix = '%m [%p] %q%u@%d '`, `log_statement = all`)
/// written by sessions of database `db`, each with its continuation lines (a statement's later
/// lines carry no prefix). The shared cluster's log holds every test's statements; a test's
/// database is its own.
fn log_entries_of(log: &str, db: &str) -> Vec<String> {
    let starts_entry = |l: &str| {
        l.len() > 5 && l[..4].bytes().all(|b| b.is_ascii_digit()) && l[4..].starts_with('-')
    };
    let mut entries: Vec<String> = Vec::new();
    for line in log.lines() {
        match entries.last_mut() {
            Some(entry) if !starts_entry(line) => {
                entry.push('\n');
                entry.push_str(line);
            }
            _ => entries.push(line.to_string()),
        }
    }
    let this_db = format!("@{db} ");
    entries
        .into_iter()
        .filter(|e| e.lines().next().is_some_and(|l| l.contains(&this_db)))
        .collect()
}

#[test]
fn a_database_read_only_by_default_is_verified_and_the_writers_refuse() {
    let store = Store::new("ops_readonly").installed();
    store.sql(&format!(
        "ALTER DATABASE {} SET default_transaction_read_only = on",
        store.db.name()
    ));
    let before = store.db.snapshot();

    store.cli(&["verify"]).assert_code(0);
    let status = store.cli(&["status"]);
    status.assert_code(0);
    target_line_says(&status, "(read-only)");
    assert!(
        status
            .stdout
            .contains(&format!("checks      all {CHECKS} pass")),
        "{status}"
    );

    let cluster = store.db.cluster();
    for args in [
        vec!["install"],
        vec!["set-password", "--generate"],
        vec!["uninstall", "--yes"],
        vec!["sweep"],
    ] {
        let log_start = cluster.log_len();
        let run = store.cli(&args);
        run.assert_code(5);
        one_line_with(
            &run,
            &[
                &format!("{} refused, nothing was attempted", args[0]),
                "default_transaction_read_only",
            ],
        );
        let ours = log_entries_of(&cluster.log_since(log_start), store.db.name());
        let statements: Vec<&String> = ours
            .iter()
            .filter(|e| e.contains("LOG:  statement: ") || e.contains("LOG:  execute "))
            .collect();
        // The pinning statement (which reads transaction_read_only) is the only one the
        // server saw, and nothing failed: a write tried and refused by the server would show.
        assert_eq!(
            statements.len(),
            1,
            "{args:?}: a statement after the pinning one was attempted\n{run}\n{}",
            ours.join("\n")
        );
        assert!(
            statements[0].contains("AS transaction_read_only"),
            "{args:?}: the one statement is not the pinning\n{}",
            ours.join("\n")
        );
        assert!(
            !ours.iter().any(|e| e.contains("ERROR:  ")),
            "{args:?}: the server reported an error\n{}",
            ours.join("\n")
        );
    }
    assert_eq!(
        store.db.snapshot(),
        before,
        "nothing was left behind or changed"
    );
    // A real drift is still found: verify's READ WRITE transaction runs every check.
    store.sql(&format!(
        "BEGIN READ WRITE; DROP INDEX {}.expire_idx; COMMIT",
        store.schema
    ));
    let failing = store.cli(&["verify"]);
    failing.assert_code(1);
    assert_eq!(crate::support::failing_checks(&failing), ["expire_idx"]);
    store.sql(&format!(
        "BEGIN READ WRITE; ALTER DATABASE {} RESET default_transaction_read_only; COMMIT",
        store.db.name()
    ));
    store.cli(&["install"]).assert_code(0);
}

#[test]
fn status_reads_the_superuser_flag_from_pg_roles_not_through_pgtap() {
    let db = cluster_without_pgtap().create_db("ops_status_su");
    let role = format!("{}_app", db.name());
    db.query_strings(&format!("CREATE ROLE {role} LOGIN PASSWORD 'Pw-ops-1'"));
    let run = db.cli(&["--role", &role, "status"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(&format!(
            "app role    {role} can log in (LOGIN, SCRAM-SHA-256 password)"
        )),
        "{run}"
    );
    db.query_strings(&format!("DROP ROLE {role}"));
}

#[test]
fn usage_errors_are_refused_before_connecting() {
    let dsn = nowhere();
    for (args, message) in [
        (
            vec!["--format", "tap", "uninstall", "--yes"],
            "uninstall reports in --format human or json",
        ),
        (
            vec!["--format", "junit", "uninstall", "--dry-run"],
            "uninstall reports in --format human or json",
        ),
        (
            vec!["install", "--check-login"],
            "install --check-login needs a password source",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--dsn", &dsn]);
        let mut cmd = crate::support::bin();
        cmd.args(&all);
        let run = crate::support::run(cmd);
        run.assert_code(2);
        one_line_with(&run, &[message, "--help"]);
    }
}

#[test]
fn a_password_file_others_may_read_is_refused_a_private_one_through_a_symlink_is_used() {
    let store = Store::new("ops_pwfile").installed();
    let dir = std::env::temp_dir().join(format!("cpa-ops-pw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    let link = dir.join("link");
    std::fs::write(&file, "Ops-Secret-1\n").unwrap();
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&file, &link).unwrap();
    let file_arg = file.to_string_lossy().to_string();
    let link_arg = link.to_string_lossy().to_string();

    for (mode, path) in [(0o644, &file_arg), (0o640, &link_arg), (0o604, &file_arg)] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let run = store.cli(&["set-password", "--password-file", path]);
        run.assert_code(2);
        one_line_with(
            &run,
            &[
                &format!("--password-file {path}"),
                &format!("{mode:04o}"),
                "chmod 600",
            ],
        );
        // Refused before connecting: not even the server saw a password change.
        assert!(store.stored().is_none(), "{run}");
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    store
        .cli(&["set-password", "--password-file", &link_arg])
        .assert_code(0);
    store
        .login("Ops-Secret-1")
        .expect("the password from the file works");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_password_inside_dsn_is_warned_about_one_in_the_environment_is_not() {
    let db = cluster().create_db("ops_dsnpw");
    let with_password = format!(
        "{} password={}",
        db.dsn(),
        db.cluster().superuser_password()
    );
    let mut cmd = crate::support::bin();
    cmd.args(["status", "--dsn", &with_password]);
    let run = crate::support::run(cmd);
    run.assert_code(0);
    one_line_with(
        &run,
        &["warning: the password in --dsn is visible", "PGPASSWORD"],
    );
    assert!(
        !run.stderr.contains(db.cluster().superuser_password()),
        "{run}"
    );

    let mut cmd = crate::support::bin();
    cmd.arg("status").env("DATABASE_URL", &with_password);
    let run = crate::support::run(cmd);
    run.assert_code(0);
    assert!(run.stderr.is_empty(), "{run}");
}

#[test]
fn eight_parallel_installs_into_eight_databases_sharing_roles_all_succeed() {
    let cluster = private_cluster();
    let dbs: Vec<_> = (0..8)
        .map(|i| cluster.create_db(&format!("ops_par{i}")))
        .collect();
    let args = ["--schema", "par", "--role", "par_app", "install"];
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = dbs.iter().map(|db| s.spawn(|| db.cli(&args))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        run.assert_code(0);
    }
    for db in &dbs {
        db.cli(&["--schema", "par", "--role", "par_app", "verify"])
            .assert_code(0);
    }
}

/// How long `f` took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[test]
fn uninstall_keeps_roles_another_databases_store_uses_and_the_last_one_drops_them() {
    let cluster = private_cluster();
    let a = cluster.create_db("ops_shared_a");
    let b = cluster.create_db("ops_shared_b");
    let names = ["--schema", "shared", "--role", "shared_app"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = names.to_vec();
        v.extend_from_slice(extra);
        v
    };
    a.cli(&with(&["install"])).assert_code(0);
    b.cli(&with(&["install"])).assert_code(0);

    let first = a.cli(&with(&["uninstall", "--yes"]));
    first.assert_code(0);
    for role in ["shared_owner", "shared_app"] {
        assert!(
            first.stdout.contains(&format!(
                "Keeping role {role}: it is still used in database {} (it owns or holds privileges there",
                b.name()
            )),
            "{first}"
        );
    }
    assert_eq!(
        a.query_strings("SELECT count(*) FROM pg_namespace WHERE nspname = 'shared'"),
        ["0"]
    );
    b.cli(&with(&["verify"])).assert_code(0);

    let last = b.cli(&with(&["uninstall", "--yes"]));
    last.assert_code(0);
    assert!(last.stdout.contains("Dropped role shared_owner"), "{last}");
    assert!(last.stdout.contains("Dropped role shared_app"), "{last}");
    assert_eq!(
        b.query_strings(
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('shared_owner', 'shared_app')"
        ),
        ["0"]
    );
}

#[test]
fn uninstall_polls_for_its_lock_and_never_stalls_the_applications_reads() {
    let store = Store::new("ops_unlock").installed();
    let mut holder = store.db.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute(&store.render("SELECT count(*) FROM {schema}.session"))
        .unwrap();
    let (run, reads) = std::thread::scope(|s| {
        let uninstall =
            s.spawn(|| timed(|| store.cli(&["uninstall", "--yes", "--lock-timeout", "2s"])));
        // While uninstall waits for the table, the application's reads go through at once.
        std::thread::sleep(Duration::from_millis(500));
        let mut reader = store.db.client();
        let mut reads = Vec::new();
        for _ in 0..5 {
            let ((), took) = timed(|| {
                reader
                    .batch_execute(&store.render("SELECT count(*) FROM {schema}.session"))
                    .unwrap()
            });
            reads.push(took);
            std::thread::sleep(Duration::from_millis(200));
        }
        (uninstall.join().unwrap(), reads)
    });
    let (run, took) = run;
    run.assert_code(6);
    one_line_with(
        &run,
        &[
            &format!(
                "uninstall could not lock table {}.session within 2000ms",
                store.schema
            ),
            "held by pid",
            "nothing was changed",
        ],
    );
    // It kept trying for its whole budget (a single NOWAIT try would end at once), and gave
    // up soon after.
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(5),
        "{took:?}\n{run}"
    );
    for read in reads {
        assert!(read < Duration::from_millis(300), "a read waited {read:?}");
    }
    tx.rollback().unwrap();
    store.cli(&["verify"]).assert_code(0);
    store.cli(&["uninstall", "--yes"]).assert_code(0);
}

#[test]
fn a_connect_only_role_is_refused_in_one_line_and_the_ci_recipe_gives_a_true_verdict_skipping_only_the_password_check(
) {
    let store = Store::new("ops_ci").installed();
    let ci = format!("{}_ci", store.db.name());
    // pgTAP installed once by a superuser, in a schema only superusers may create in: a role
    // that is not one cannot load it for its transaction.
    store.sql(&format!(
        "CREATE SCHEMA tap; GRANT USAGE ON SCHEMA tap TO PUBLIC; CREATE EXTENSION pgtap SCHEMA tap; \
         CREATE ROLE {ci} LOGIN PASSWORD 'Ci-Pw-1'"
    ));
    let as_ci = |args: &[&str]| {
        let dsn = format!(
            "host=127.0.0.1 port={} dbname={} user={ci} password=Ci-Pw-1 sslmode=disable",
            store.db.cluster().port(),
            store.db.name()
        );
        let mut cmd = crate::support::bin();
        cmd.args(store.args(args)).env("DATABASE_URL", dsn);
        crate::support::run(cmd)
    };

    let verify = as_ci(&["verify"]);
    verify.assert_code(4);
    one_line_with(
        &verify,
        &[&format!(
            "verify refused: the connected role {ci} lacks USAGE on schema {s} and SELECT on table {s}.session, so checks would fail for want of privilege",
            s = store.schema
        ), "A role for CI"],
    );
    as_ci(&["status"])
        .assert_code(0)
        .assert_stdout_has(&format!(
            "schema      {}, owned by {}",
            store.schema, store.owner
        ));
    store.sql(&format!("GRANT USAGE ON SCHEMA {{schema}} TO {ci}"));
    let verify = as_ci(&["verify"]);
    verify.assert_code(4);
    one_line_with(
        &verify,
        &[&format!(
            "{ci} lacks SELECT on table {}.session,",
            store.schema
        )],
    );

    // The rest of the recipe of docs/ci.md: a true verdict, the one check that needs a
    // superuser (the password verifier) skipped with its reason, not failed.
    store.sql(&format!("GRANT SELECT ON {{schema}}.session TO {ci}"));
    as_ci(&["verify"])
        .assert_code(0)
        .assert_stdout_has("skip    role.app.password")
        .assert_stdout_has("not run: only a superuser can read password verifiers (pg_authid)")
        .assert_stdout_has(&format!(
            "All {} checks that ran pass; 1 skipped",
            CHECKS - 1
        ));
    let json = as_ci(&["--format", "json", "verify"]);
    json.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("verify json");
    let statuses: Vec<(&str, &str)> = doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "pass")
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("role.app.password", "skip")], "{json}");
    assert!(
        as_ci(&["status"]).stdout.contains(&format!(
            "checks      all {} that ran pass, 1 skipped",
            CHECKS - 1
        )),
        "status as the CI role"
    );
    // The sessions are read only as the table's owner, which the CI role may not act as.
    as_ci(&["status"]).assert_stdout_has(&format!(
        "sessions    unknown: {s}.session is read and written only as its owner {o}, which the connected role may not act as",
        s = store.schema,
        o = store.owner
    ));
    // As a superuser nothing is skipped, and the CI role's grants change no verdict.
    store
        .cli(&["verify"])
        .assert_code(0)
        .assert_stdout_has(&format!("All {CHECKS} checks pass."));

    store.sql("REVOKE ALL ON FUNCTION {schema}.count_sessions() FROM {role}");
    let drift = as_ci(&["verify"]);
    drift.assert_code(1);
    assert_eq!(crate::support::failing_checks(&drift), ["grant.functions"]);
    store.cli(&["install"]).assert_code(0);
    store.sql(&format!(
        "REVOKE ALL ON SCHEMA {{schema}} FROM {ci}; REVOKE ALL ON {{schema}}.session FROM {ci}; \
         DROP EXTENSION pgtap; DROP SCHEMA tap; DROP ROLE {ci}"
    ));
}

#[test]
fn the_database_owner_is_told_what_it_lacks_by_install_and_verify() {
    let store = Store::new("ops_dbowner").installed();
    let owner_login = format!("{}_dbo", store.db.name());
    store.sql(&format!(
        "CREATE ROLE {owner_login} LOGIN PASSWORD 'Dbo-Pw-1'; ALTER DATABASE {} OWNER TO {owner_login}",
        store.db.name()
    ));
    let before = store.db.snapshot();
    let as_owner = |args: &[&str]| {
        let mut cmd = crate::support::bin();
        cmd.args(store.args(args))
            .env(
                "DATABASE_URL",
                format!(
                    "host=127.0.0.1 port={} dbname={} user={owner_login} sslmode=disable",
                    store.db.cluster().port(),
                    store.db.name()
                ),
            )
            .env("PGPASSWORD", "Dbo-Pw-1");
        crate::support::run(cmd)
    };
    let install = as_owner(&["install"]);
    install.assert_code(4);
    one_line_with(
        &install,
        &[
            &format!(
                "the connected role {owner_login} is not a superuser and not a member of {} (owning the database is not enough)",
                store.owner
            ),
            "run install as a superuser",
            "nothing was changed",
        ],
    );
    assert!(
        !install.stderr.contains("or the database owner"),
        "{install}"
    );
    let verify = as_owner(&["verify"]);
    verify.assert_code(4);
    one_line_with(
        &verify,
        &[&format!(
            "the connected role {owner_login} lacks USAGE on schema {}",
            store.schema
        )],
    );
    assert_eq!(store.db.snapshot(), before);
    store.sql(&format!(
        "ALTER DATABASE {} OWNER TO postgres; DROP ROLE {owner_login}",
        store.db.name()
    ));
}

#[test]
fn verify_of_one_store_does_not_wait_for_an_install_of_another_in_the_same_database() {
    let store = Store::new("ops_twostores").installed();
    let other = [
        "--schema",
        "other_store",
        "--role",
        &format!("{}_other", store.db.name()),
    ]
    .map(String::from);
    let other_args = |extra: &[&str]| -> Vec<String> {
        other
            .iter()
            .cloned()
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    let run_other = |extra: &[&str]| {
        let args = other_args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        store.db.cli(&args)
    };
    run_other(&["install"]).assert_code(0);
    // Store a needs a repair whose table lock the application holds: its install keeps its
    // transaction (and the pgTAP it loaded) open for its whole lock budget.
    store.sql("DROP INDEX {schema}.expire_idx");
    let mut app = store.db.client();
    let mut tx = app.transaction().unwrap();
    tx.batch_execute(&store.render("SELECT count(*) FROM {schema}.session"))
        .unwrap();
    let (install, verify) = std::thread::scope(|s| {
        let install = s.spawn(|| {
            timed(|| store.cli(&["install", "--lock-timeout", "4s", "--lock-retries", "0"]))
        });
        std::thread::sleep(Duration::from_millis(1500));
        let verify = timed(|| run_other(&["verify"]));
        (install.join().unwrap(), verify)
    });
    let (verify, took) = verify;
    let (install, install_took) = install;
    // The install was still waiting for its lock while verify ran (1.5 s in, 2 s at most).
    assert!(
        install_took >= Duration::from_millis(3900),
        "the install gave up after {install_took:?}, before verify was done\n{install}"
    );
    verify.assert_code(0);
    assert!(
        took < Duration::from_millis(2000),
        "verify of the other store waited {took:?} for the install\n{verify}"
    );
    install.assert_code(6);
    tx.rollback().unwrap();
    store.cli(&["install"]).assert_code(0);
    run_other(&["uninstall", "--yes"]).assert_code(0);
}
