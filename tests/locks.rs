//! Issue 3: locks that never stall production. An install that needs the session table while
//! the application holds it gives up after its attempts, names the holder, exits 6 and
//! changes nothing, and the application's reads and writes go on at full speed meanwhile;
//! eight installs at once converge with exactly one of them applying steps; runs loading
//! pgTAP take turns; a run killed with SIGKILL, or whose backend is terminated, while it
//! waits leaves the database as it was, and the next run converges.
//!
//! The tests that compare whole snapshots run on a private cluster of this module, one at a
//! time (roles are cluster-wide); the others use the shared cluster with names of their own.

use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::{cluster, private_cluster, Cluster, Store};
use crate::upgrade::applied;

fn quiet_cluster() -> &'static Cluster {
    static QUIET: OnceLock<&'static Cluster> = OnceLock::new();
    QUIET.get_or_init(private_cluster)
}

/// An installed store with a drift that needs the session table (the trigger is gone), an
/// earlier step that needs no lock (the role can create databases), and a password for the
/// application role.
fn drifted_store(cluster: &'static Cluster, hint: &str) -> Store {
    let s = Store::on(cluster, hint);
    let install = s.cli(&["install"]);
    assert_eq!(install.code, 0, "{install}");
    s.sql(
        "ALTER ROLE {role} CREATEDB;
         DROP TRIGGER delete_expired_trig ON {schema}.session;
         ALTER ROLE {role} PASSWORD 'locks-test-pw';",
    );
    s
}

/// The install after an interrupted one repairs exactly `drifted_store`'s drift, from the
/// role (no lock needed) to the trigger (the table's lock), and verify then passes.
fn assert_the_next_install_converges(s: &Store) {
    let install = s.cli(&["install"]);
    assert_eq!(install.code, 0, "{install}");
    // behaviour.expired fails with the trigger gone, and names the functions it exercises.
    let steps = applied(&install);
    assert_eq!(
        steps.first().map(String::as_str),
        Some("role.app"),
        "{install}"
    );
    assert_eq!(
        steps.last().map(String::as_str),
        Some("trigger"),
        "{install}"
    );
    assert_eq!(s.cli(&["verify"]).code, 0);
}

const BLOCKER_SECRET: &str = "pw-in-a-literal";

/// A superuser session that read the session table in a transaction it keeps open, as an
/// application's open transaction does: it holds ACCESS SHARE until it ends.
fn blocker(s: &Store) -> (postgres::Client, i32) {
    let mut c =
        s.db.cluster()
            .config(s.db.name(), "postgres", s.db.cluster().superuser_password())
            .application_name("cpa-blocker")
            .connect(postgres::NoTls)
            .expect("the blocker connects");
    let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    c.batch_execute("BEGIN").unwrap();
    // A literal in its query, which the tool's message must not repeat (sql/tool/blockers.sql).
    c.batch_execute(&s.render(&format!(
        "/* a comment */ SELECT count(*) FROM {{schema}}.session WHERE sess_data <> '{BLOCKER_SECRET}'"
    )))
    .unwrap();
    (c, pid)
}

/// Starts `install` with `args` in the background, output captured.
fn spawn_install(s: &Store, args: &[&str]) -> Child {
    let mut all = vec!["install"];
    all.extend_from_slice(args);
    s.db.cli_command(&s.args(&all), &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start connect-pg-admin")
}

/// The backend of a run that is polling for the session table: its last statement is the
/// `LOCK ... NOWAIT` of sql/tool/lock_table.sql, or, between two tries, the rollback to the
/// step's savepoint that follows a failed one (a step is rolled back and the run goes on only
/// when its lock was not available), which is what pg_stat_activity shows while it sleeps.
fn wait_until_polling(s: &Store) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pids = s.db.query_strings(
            "SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'connect-pg-admin'
                AND (query LIKE '%LOCK TABLE%NOWAIT%'
                     OR query LIKE 'ROLLBACK TO connect_pg_admin_step%')",
        );
        if let Some(pid) = pids.first() {
            return pid.parse().expect("a pid");
        }
        assert!(
            Instant::now() < deadline,
            "the install never started polling for its lock"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

fn wait_until_gone(s: &Store, pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while s
        .db
        .query_strings(&format!("SELECT 1 FROM pg_stat_activity WHERE pid = {pid}"))
        != Vec::<String>::new()
    {
        assert!(
            Instant::now() < deadline,
            "backend {pid} outlived its client"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// The application's traffic during the wait: set, get and destroy of its own sessions, each
/// timed. Returns the number of operations and the slowest one.
fn app_traffic(s: &Store, stop: Arc<AtomicBool>) -> thread::JoinHandle<(usize, Duration)> {
    let mut app =
        s.db.client_as(&s.role, "locks-test-pw")
            .expect("the application role logs in");
    let set = s.render("SELECT {schema}.set_session_data($1, $2, now() + interval '1 hour')");
    let get = s.render("SELECT {schema}.get_session_data($1)");
    let destroy = s.render("SELECT {schema}.destroy_session($1)");
    thread::spawn(move || {
        let mut ops = 0;
        let mut slowest = Duration::ZERO;
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            i += 1;
            let id = format!("app-{i}");
            for (sql, with_data) in [(&set, true), (&get, false), (&destroy, false)] {
                let started = Instant::now();
                if with_data {
                    app.execute(sql.as_str(), &[&id, &"data"]).unwrap();
                } else {
                    app.query(sql.as_str(), &[&id]).unwrap();
                }
                slowest = slowest.max(started.elapsed());
                ops += 1;
            }
            thread::sleep(Duration::from_millis(5));
        }
        (ops, slowest)
    })
}

/// Acceptance 5. A lock_timeout alone would not do: while the install's ACCESS EXCLUSIVE
/// request waited in the queue, every later read and write of the table would wait behind
/// it, for up to --lock-timeout per attempt. The slowest application operation is the proof.
#[test]
fn a_lock_held_by_the_application_makes_install_give_up_without_stalling_it() {
    let cluster = quiet_cluster();
    let _one_at_a_time = cluster.global_lock();
    let s = drifted_store(cluster, "lock_held");
    let (mut blocker, blocker_pid) = blocker(&s);
    let before = s.db.snapshot();

    let stop = Arc::new(AtomicBool::new(false));
    let traffic = app_traffic(&s, stop.clone());
    thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let run = s.cli(&["install", "--lock-timeout", "2s", "--lock-retries", "1"]);
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (ops, slowest) = traffic.join().expect("the application thread");
    eprintln!(
        "[locks] install gave up after {took:?}; meanwhile the application ran {ops} operations, the slowest in {slowest:?}"
    );

    assert_eq!(run.code, 6, "{run}");
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "one line\n{run}");
    for leak in [BLOCKER_SECRET, "count(*)", "a comment"] {
        assert!(
            !err.contains(leak),
            "the blocker's query text {leak:?} in\n{run}"
        );
    }
    for part in [
        "step trigger could not get its locks in 2 attempt(s) of 2000ms each",
        &format!("held by pid {blocker_pid} (application cpa-blocker, user postgres, idle in transaction for "),
        "AccessShareLock lock, last query SELECT started ",
        "nothing was changed",
    ] {
        assert!(err.contains(part), "missing {part:?}\n{run}");
    }
    // Two attempts of 2 s each, and a pause between them.
    assert!(
        took >= Duration::from_secs(4),
        "gave up too early: {took:?}"
    );
    assert!(ops >= 30, "the application barely ran: {ops} operations");
    assert!(
        slowest < Duration::from_millis(500),
        "an application operation waited {slowest:?} behind the install"
    );

    blocker.batch_execute("ROLLBACK").unwrap();
    assert_eq!(
        before,
        s.db.snapshot(),
        "a lock timeout changed the database"
    );
    assert_the_next_install_converges(&s);
}

/// Acceptance 6.
#[test]
fn eight_installs_at_once_converge_and_one_applies_the_steps() {
    let s = Store::on(cluster(), "eight_at_once");
    let children: Vec<Child> = (0..8).map(|_| spawn_install(&s, &[])).collect();
    let runs: Vec<std::process::Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait for an install"))
        .collect();
    let mut installed = 0;
    for out in &runs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        if stdout.contains("Installed:") {
            installed += 1;
        } else {
            assert!(stdout.starts_with("Nothing to do"), "{stdout}\n{stderr}");
        }
    }
    assert_eq!(installed, 1, "exactly one run applies steps");
    assert_eq!(s.cli(&["verify"]).code, 0);
    assert_eq!(
        s.db.query_strings(&s.render("SELECT count(*) FROM {schema}.install_history")),
        ["1"]
    );
}

/// pgTAP is loaded for one transaction when the database has not installed it, and extension
/// names are unique per database: runs in one database must take turns, not fail on each
/// other (sql/tool/try_pgtap_lock.sql).
#[test]
fn runs_in_one_database_take_turns_loading_pgtap() {
    let s = Store::on(cluster(), "pgtap_turns");
    let mut children: Vec<(&str, Child)> = vec![("install", spawn_install(&s, &[]))];
    for _ in 0..4 {
        let child =
            s.db.cli_command(&s.args(&["verify"]), &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start verify");
        children.push(("verify", child));
    }
    for (what, child) in children {
        let out = child.wait_with_output().expect("wait");
        let code = out.status.code();
        let ok = match what {
            "install" => code == Some(0),
            // Before or after the install committed.
            _ => code == Some(0) || code == Some(1),
        };
        assert!(
            ok,
            "{what} exited {code:?}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        s.db.query_strings("SELECT count(*) FROM pg_extension WHERE extname = 'pgtap'"),
        ["0"],
        "pgTAP left behind"
    );
}

/// An install that ends mid-run, by `end`, while a step polls for the session table (a
/// blocker holds it) after an earlier step already ran in its transaction: once its backend
/// is gone nothing is left behind, and when the blocker lets go the next run converges.
fn install_ended_while_polling(hint: &str, end: impl FnOnce(&Store, Child, i32)) {
    let cluster = quiet_cluster();
    let _one_at_a_time = cluster.global_lock();
    let s = drifted_store(cluster, hint);
    let (mut blocker, _) = blocker(&s);
    let before = s.db.snapshot();
    let child = spawn_install(&s, &["--lock-timeout", "60s"]);
    let backend = wait_until_polling(&s);
    end(&s, child, backend);
    wait_until_gone(&s, backend);
    assert_eq!(
        before,
        s.db.snapshot(),
        "the {hint} install left changes behind"
    );
    blocker.batch_execute("ROLLBACK").unwrap();
    assert_the_next_install_converges(&s);
}

/// Acceptance 7, SIGKILL: the tool dies; the backend sees its client gone and rolls back.
#[test]
fn install_killed_while_waiting_changes_nothing_and_the_next_run_converges() {
    install_ended_while_polling("sigkill", |_, mut child, _| {
        // SAFETY: the child has not been waited for, so its pid (also its process group,
        // since it runs in a session of its own) is still ours.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
        let status = child.wait().expect("wait for the killed install");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL)
        );
    });
}

/// Acceptance 7, the server side: the install's backend is terminated. The tool says so in
/// one line and exits 7; nothing was committed.
#[test]
fn install_whose_backend_is_terminated_exits_7_changes_nothing_and_the_next_run_converges() {
    install_ended_while_polling("terminated", |s, child, backend| {
        assert_eq!(
            s.db.query_strings(&format!("SELECT pg_terminate_backend({backend})")),
            ["t"]
        );
        let out = child.wait_with_output().expect("wait for the install");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("nothing was committed"), "{stderr}");
    });
}
