//! Issue 6: faults. The server restarted (fast shutdown) or the tool's own backend terminated
//! while install, verify or set-password is in the middle of its work: a clean one-line error
//! with exit code 7, the database exactly as before (catalog snapshot, role password), and a
//! rerun that converges. Each test runs on a private cluster, since a restart breaks every
//! connection to it.
//!
//! A run is held in the middle the way production would hold it: an open transaction of "the
//! application" holds a lock the run needs (a table lock, a lock on pg_authid, the install
//! lock), and the run waits, polling, until the fault strikes.

use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{private_cluster, Run, TestDb};

const SERVER: i32 = 7;

/// The tool started in the background with `args`, optionally with `stdin` bytes.
fn spawn(db: &TestDb, args: &[&str], stdin: Option<&[u8]>) -> Child {
    let mut cmd = db.cli_command(args, &[]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("start the tool");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(bytes).expect("write stdin");
    }
    child
}

fn finish(child: Child) -> Run {
    let out = child.wait_with_output().expect("wait for the tool");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        command: "connect-pg-admin (background)".into(),
    }
}

/// Waits until `sql` (run as the superuser, one boolean) is true, or fails the test.
fn wait_for(db: &TestDb, sql: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut admin = db.client();
    loop {
        let done: bool = admin.query_one(sql, &[]).expect("poll").get(0);
        if done {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The tool's backend is waiting for a heavyweight lock.
const TOOL_WAITS_FOR_A_LOCK: &str = "SELECT EXISTS (SELECT FROM pg_stat_activity
    WHERE application_name = 'connect-pg-admin' AND datname = current_database()
      AND wait_event_type = 'Lock')";

/// Install has applied the role step (it holds a row lock on pg_authid for its ALTER ROLE)
/// and is still in its transaction.
const INSTALL_APPLIED_A_STEP: &str = "SELECT EXISTS (SELECT FROM pg_locks l
    JOIN pg_stat_activity a USING (pid)
    WHERE a.application_name = 'connect-pg-admin' AND a.datname = current_database()
      AND l.relation = 'pg_catalog.pg_authid'::regclass AND l.mode = 'RowExclusiveLock')";

enum Fault {
    Restart,
    Terminate,
}

/// A test of `$scenario` under each fault, named as CI reports it: `$restart` with
/// `Fault::Restart`, `$lost` with `Fault::Terminate`.
macro_rules! under_each_fault {
    ($scenario:ident, $restart:ident, $lost:ident) => {
        #[test]
        fn $restart() {
            $scenario(Fault::Restart);
        }

        #[test]
        fn $lost() {
            $scenario(Fault::Terminate);
        }
    };
}

fn strike(db: &TestDb, fault: &Fault) {
    match fault {
        Fault::Restart => db.cluster().restart(),
        Fault::Terminate => {
            let killed: i64 = db
                .client()
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                      WHERE application_name = 'connect-pg-admin' AND datname = current_database()",
                    &[],
                )
                .expect("terminate")
                .get(0);
            assert_eq!(killed, 1, "exactly the tool's backend");
        }
    }
}

#[track_caller]
fn assert_server_error(run: &Run) {
    assert_eq!(run.code, SERVER, "{run}");
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "one line\n{run}");
    assert!(err.starts_with("connect-pg-admin: error: "), "{run}");
    assert!(
        err.contains("nothing was committed, run the command again"),
        "{run}"
    );
    assert!(!run.stderr.contains("panicked"), "{run}");
}

/// An installed database on a private cluster, drifted in two places: the application role
/// has CREATEDB (its step comes first and needs no table lock) and the index is gone (its
/// step needs the session table).
fn drifted(hint: &str) -> TestDb {
    let db = private_cluster().create_db(hint);
    db.cli(&["install"]).assert_code(0);
    db.client()
        .batch_execute(
            "INSERT INTO web.session VALUES ('live', 'kept', NULL);
             ALTER ROLE nodepg CREATEDB;
             DROP INDEX web.expire_idx;",
        )
        .expect("drift");
    db
}

fn install_interrupted(fault: Fault) {
    let db = drifted(match fault {
        Fault::Restart => "fault_install_restart",
        Fault::Terminate => "fault_install_kill",
    });
    let before = db.snapshot();
    // The application's open write transaction: the index step cannot have the table.
    let mut app = db.client();
    app.batch_execute("BEGIN; LOCK TABLE web.session IN ROW EXCLUSIVE MODE")
        .expect("hold the table");
    let child = spawn(
        &db,
        &["install", "--lock-timeout", "60s", "--lock-retries", "0"],
        None,
    );
    wait_for(&db, INSTALL_APPLIED_A_STEP, "install applied the role step");
    std::thread::sleep(Duration::from_millis(300));
    strike(&db, &fault);
    let run = finish(child);
    assert_server_error(&run);
    drop(app);
    assert_eq!(
        before,
        db.snapshot(),
        "the applied step was rolled back\n{run}"
    );
    assert_eq!(
        db.query_strings("SELECT rolcreatedb::text FROM pg_roles WHERE rolname = 'nodepg'"),
        ["true"]
    );
    // The rerun converges, and the live session is still there.
    let again = db.cli(&["install"]);
    assert_eq!(again.code, 0, "{again}");
    db.cli(&["verify"]).assert_code(0);
    assert_eq!(
        db.query_strings("SELECT sess_data FROM web.session WHERE sess_id = 'live'"),
        ["kept"]
    );
}

under_each_fault!(
    install_interrupted,
    server_restart_during_install_rolls_back_and_the_rerun_converges,
    connection_lost_during_install_rolls_back_and_the_rerun_converges
);

#[test]
fn server_restart_while_waiting_for_the_install_lock() {
    let db = drifted("fault_install_lock");
    let before = db.snapshot();
    let mut other = db.client();
    other
        .batch_execute("SELECT pg_advisory_lock(hashtext('connect-pg-admin'), hashtext('web'))")
        .expect("hold the install lock");
    let child = spawn(&db, &["install", "--wait", "60s"], None);
    // The waiting run polls: it is connected, idle in its transaction between polls.
    wait_for(
        &db,
        "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'connect-pg-admin'
                          AND datname = current_database() AND xact_start IS NOT NULL)",
        "install is waiting for the install lock",
    );
    std::thread::sleep(Duration::from_millis(300));
    strike(&db, &Fault::Restart);
    let run = finish(child);
    assert_server_error(&run);
    drop(other);
    assert_eq!(before, db.snapshot());
    db.cli(&["install"]).assert_code(0);
    db.cli(&["verify"]).assert_code(0);
}

fn verify_interrupted(fault: Fault) {
    let db = private_cluster().create_db("fault_verify");
    db.cli(&["install"]).assert_code(0);
    db.client()
        .batch_execute("INSERT INTO web.session VALUES ('live', 'kept', NULL)")
        .expect("a live session");
    let before = db.snapshot();
    // DDL in progress elsewhere: verify's scratch copy of the table has to wait for it.
    let mut ddl = db.client();
    ddl.batch_execute("BEGIN; LOCK TABLE web.session IN ACCESS EXCLUSIVE MODE")
        .expect("hold the table");
    let child = spawn(&db, &["verify", "--lock-timeout", "60s"], None);
    wait_for(&db, TOOL_WAITS_FOR_A_LOCK, "verify waits for the table");
    strike(&db, &fault);
    let run = finish(child);
    assert_server_error(&run);
    drop(ddl);
    assert_eq!(before, db.snapshot());
    db.cli(&["verify"]).assert_code(0);
}

under_each_fault!(
    verify_interrupted,
    server_restart_during_verify_is_a_clean_error,
    connection_lost_during_verify_is_a_clean_error
);

fn stored_password(db: &TestDb) -> String {
    db.query_strings("SELECT coalesce(rolpassword, 'none') FROM pg_authid WHERE rolname = 'nodepg'")
        .concat()
}

fn set_password_interrupted(fault: Fault) {
    let db = private_cluster().create_db("fault_password");
    db.cli(&["install"]).assert_code(0);
    db.cli_with(
        &["set-password", "--password-stdin"],
        &[],
        Some(b"first-Pw-1\n"),
    )
    .assert_code(0);
    let before = db.snapshot();
    let verifier = stored_password(&db);
    // ALTER ROLE takes ROW EXCLUSIVE on pg_authid: a SHARE lock held elsewhere makes it wait
    // (logins, which only read pg_authid, go on).
    let mut holder = db.client();
    holder
        .batch_execute("BEGIN; LOCK TABLE pg_catalog.pg_authid IN SHARE MODE")
        .expect("hold pg_authid");
    let child = spawn(
        &db,
        &["set-password", "--password-stdin"],
        Some(b"second-Pw-2\n"),
    );
    wait_for(
        &db,
        TOOL_WAITS_FOR_A_LOCK,
        "set-password waits in ALTER ROLE",
    );
    strike(&db, &fault);
    let run = finish(child);
    assert_server_error(&run);
    drop(holder);
    assert_eq!(before, db.snapshot());
    assert_eq!(
        verifier,
        stored_password(&db),
        "the password did not change"
    );
    assert!(db.client_as("nodepg", "first-Pw-1").is_ok());
    assert!(db.client_as("nodepg", "second-Pw-2").is_err());
    db.cli_with(
        &["set-password", "--password-stdin"],
        &[],
        Some(b"second-Pw-2\n"),
    )
    .assert_code(0);
    assert!(db.client_as("nodepg", "second-Pw-2").is_ok());
}

under_each_fault!(
    set_password_interrupted,
    server_restart_during_set_password_changes_nothing_and_the_rerun_works,
    connection_lost_during_set_password_changes_nothing_and_the_rerun_works
);
