//! The command line as people and CI meet it (issue 7): `--help` of every command pinned by
//! snapshots, every exit code produced by a real situation, `status`, `uninstall` (refusals,
//! confirmation, uninstall then install), completions and the man page, and colour, progress
//! and prompts on a pseudo-terminal but never in a pipe.
//!
//! Snapshots live in tests/snapshots/; `UPDATE_SNAPSHOTS=1 cargo test --test integration
//! interface formats` rewrites them.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    assert_snapshot, bin, cluster, cluster_without_pgtap, failing_in_json, run, Run, Store, TestDb,
};

/// The binary without a database, COLUMNS fixed so that help wraps the same everywhere.
fn plain(args: &[&str]) -> Run {
    let mut cmd = bin();
    cmd.args(args).env("COLUMNS", "100");
    run(cmd)
}

const COMMANDS: &[&str] = &[
    "install",
    "verify",
    "set-password",
    "status",
    "sweep",
    "uninstall",
    "completions",
    "man",
];

#[test]
fn help_of_every_command_matches_its_snapshot() {
    let top = plain(&["--help"]);
    top.assert_code(0);
    assert_snapshot("help.txt", &top.stdout);
    for command in COMMANDS {
        let r = plain(&[command, "--help"]);
        r.assert_code(0);
        assert_snapshot(&format!("help-{command}.txt"), &r.stdout);
        assert!(
            top.stdout.contains(&format!("  {command} ")),
            "{command} is not listed in the top-level help"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Exit codes

/// The exit codes as `--help` lists them: "  N  description" lines after "Exit codes:".
fn documented_codes(text: &str) -> Vec<i32> {
    text.split("Exit codes:")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let (n, _) = l.trim_start().split_once("  ")?;
            n.parse().ok()
        })
        .collect()
}

#[test]
fn exit_codes_are_documented_in_help_readme_and_commands_md() {
    let help = plain(&["--help"]).stdout;
    assert_eq!(
        documented_codes(&help),
        (0..=8).collect::<Vec<_>>(),
        "{help}"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let commands = std::fs::read_to_string(root.join("docs/commands.md")).expect("commands.md");
    for (doc, text) in [("README.md", &readme), ("docs/commands.md", &commands)] {
        assert_eq!(
            documented_codes(text),
            (0..=8).collect::<Vec<_>>(),
            "{doc} must list the exit codes as --help does"
        );
    }
}

/// Holds connect-pg-admin's install lock on `schema` (the SQL the tool itself runs) until
/// the returned client's transaction ends.
fn hold_install_lock(db: &TestDb, schema: &str) -> postgres::Client {
    let sql = include_str!("../sql/tool/try_lock.sql")
        .replace(":'schema'", &format!("'{}'", schema.replace('\'', "''")));
    let mut c = db.client();
    c.batch_execute("BEGIN").expect("begin");
    let got: bool = c
        .query_one(sql.as_str(), &[])
        .expect("take the install lock")
        .get(0);
    assert!(got, "the install lock was not free");
    c
}

#[test]
fn every_exit_code_comes_from_a_real_situation() {
    let db = cluster().create_db("exit_codes");
    let names = ["--schema", "ec", "--role", "ec_app"];
    let with = |extra: &[&str]| -> Vec<String> {
        extra
            .iter()
            .chain(names.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let cli = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        db.cli(&a)
    };

    // 1: checks fail on an empty database.
    cli(with(&["verify"])).assert_code(1);
    // 0: install, then verify passes.
    cli(with(&["install"])).assert_code(0);
    cli(with(&["verify"])).assert_code(0);
    // 2: bad input, three ways.
    db.cli(&["verify", "--bogus"]).assert_code(2);
    db.cli(&["verify", "--schema", "Web"]).assert_code(2);
    let r = cli(with(&["uninstall"]));
    r.assert_code(2);
    assert!(r.stderr.contains("--yes"), "{r}");
    // 3: nothing listens there.
    let mut cmd = bin();
    cmd.args([
        "verify",
        "--dsn",
        "host=127.0.0.1 port=1 user=postgres dbname=x",
    ]);
    run(cmd).assert_code(3);
    // 3: wrong password.
    db.cli_with(&["verify"], &[("PGPASSWORD", "wrong")], None)
        .assert_code(3);
    // 4: uninstall refuses while the schema holds a function that is not the tool's.
    db.client()
        .batch_execute("create function ec.mine() returns int language sql as 'select 1'")
        .expect("create a foreign function");
    let r = cli(with(&["uninstall", "--yes"]));
    r.assert_code(4);
    assert!(r.stderr.contains("function ec.mine()"), "{r}");
    // 5: no pgTAP on the server.
    let bare = cluster_without_pgtap().create_db("exit_codes_nopgtap");
    bare.cli(&["verify"]).assert_code(5);
    // 6: another run holds the install lock longer than --wait.
    let lock = hold_install_lock(&db, "ec");
    let r = cli(with(&["install", "--wait", "300ms"]));
    r.assert_code(6);
    assert!(r.stderr.contains("install lock"), "{r}");
    drop(lock);
    // 7: the server ends the tool's session mid-run (while it waits for the lock).
    let mut lock = hold_install_lock(&db, "ec");
    let install = with(&["install", "--wait", "60s"]);
    let install: Vec<&str> = install.iter().map(String::as_str).collect();
    let mut child = db.cli_command(&install, &[]);
    child.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = child.spawn().expect("start install");
    let started = Instant::now();
    let mut terminated = false;
    // Not `lock`: inside its transaction pg_stat_activity is a snapshot that never changes.
    let mut killer = db.client();
    while !terminated && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
        let n: i64 = killer
            .query_one(
                "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity
                  where application_name = 'connect-pg-admin' and datname = current_database()
                    and pid <> pg_backend_pid()",
                &[],
            )
            .expect("terminate the tool's backend")
            .get(0);
        terminated = n > 0;
    }
    assert!(terminated, "the install never connected");
    let out = child.wait_with_output().expect("wait for install");
    assert_eq!(
        out.status.code(),
        Some(7),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    lock.batch_execute("ROLLBACK").expect("release the lock");
    db.client()
        .batch_execute("drop function ec.mine()")
        .expect("drop the foreign function");
    cli(with(&["uninstall", "--yes"])).assert_code(0);
}

// ---------------------------------------------------------------------------------------
// status

#[test]
fn status_summarizes_an_installed_store() {
    let s = Store::new("status");

    let r = s.cli(&["status"]);
    r.assert_code(0);
    assert!(
        r.stdout.contains(&s.render("{schema} is not installed")),
        "{r}"
    );
    assert!(r.stdout.contains(&s.render("{role} does not exist")), "{r}");

    s.cli(&["install"]).assert_code(0);
    // The expired one as if it had expired since its last write: the trigger, which removes
    // an expired row as it is written, is kept out of the way (replica mode).
    s.sql(
        "insert into {schema}.session values ('a', 'x', now() + interval '1 hour'), ('b', 'y', null);
         set session_replication_role = replica;
         insert into {schema}.session values ('c', 'z', now() - interval '1 hour');",
    );
    let r = s.cli(&["status"]);
    r.assert_code(0);
    let line = |label: &str| -> String {
        r.stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line\n{r}"))
            .to_string()
    };
    assert_eq!(
        line("schema"),
        s.render("schema      {schema}, owned by {owner}")
    );
    assert!(
        line("last change").contains(&format!(
            "by connect-pg-admin {} as postgres",
            env!("CARGO_PKG_VERSION")
        )),
        "{r}"
    );
    assert!(line("checks").starts_with("checks      all "), "{r}");
    assert_eq!(line("sessions"), "sessions    2 live, 1 expired");
    assert_eq!(
        line("app role"),
        s.render("app role    {role} cannot log in: it has no password: run set-password")
    );

    s.cli_stdin(
        &["set-password", "--password-stdin"],
        b"status-test-password\n",
    )
    .assert_code(0);
    s.sql("alter function {schema}.count_sessions() security invoker");
    let r = s.cli(&["status", "--format", "json"]);
    r.assert_code(0);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["command"], "status");
    assert_eq!(v["outcome"], "failing");
    assert_eq!(v["status"]["sessions"]["live"], 2);
    assert_eq!(v["status"]["sessions"]["expired"], 1);
    assert_eq!(v["status"]["checks"]["fail"], 1, "{v}");
    assert_eq!(v["status"]["app_role"]["password"], "SCRAM-SHA-256");
    assert_eq!(v["status"]["app_role"]["can_log_in"], true);
    let failing = failing_in_json(&v);
    assert_eq!(failing, ["function.count_sessions.definer"]);
    s.cli(&["install", "-q"]).assert_code(0);
    s.cli(&["uninstall", "--yes"]).assert_code(0);
}

// ---------------------------------------------------------------------------------------
// uninstall

/// Whether `sql`, rendered with the store's names, returns a row.
fn exists(s: &Store, sql: &str) -> bool {
    s.db.query_strings(&format!("select exists ({})", s.render(sql))) == ["t"]
}

#[test]
fn uninstall_then_install_passes_verify() {
    let s = Store::new("uninstall_cycle");
    s.cli(&["install"]).assert_code(0);
    s.sql("select {schema}.set_session_data('s1', 'd', null)");

    // Without confirmation: refused, nothing changed.
    let before = s.db.snapshot();
    let r = s.cli(&["uninstall"]);
    r.assert_code(2);
    assert_eq!(
        s.db.snapshot(),
        before,
        "an unconfirmed uninstall changed something"
    );

    // Dry run: lists, changes nothing.
    let r = s.cli(&["uninstall", "--dry-run"]);
    r.assert_code(0);
    for needle in [
        "Would drop schema {schema} with 1 session(s):",
        "  table {schema}.session\n",
        "  table {schema}.install_history\n",
        "  function {schema}.get_session_data(text)\n",
        "Would drop role {owner}\n",
        "Would drop role {role}\n",
        "Dry run: nothing was changed.",
    ] {
        let needle = s.render(needle);
        assert!(r.stdout.contains(&needle), "{needle:?} missing\n{r}");
    }
    assert_eq!(s.db.snapshot(), before, "--dry-run changed something");

    let r = s.cli(&["uninstall", "--yes"]);
    r.assert_code(0);
    assert!(r.stdout.contains("Uninstalled; committed."), "{r}");
    assert!(!exists(
        &s,
        "select from pg_namespace where nspname = '{schema}'"
    ));
    assert!(!exists(
        &s,
        "select from pg_roles where rolname in ('{owner}', '{role}')"
    ));
    let r = s.cli(&["uninstall", "--yes"]);
    r.assert_code(0);
    assert!(r.stdout.contains("Nothing to uninstall"), "{r}");

    s.cli(&["install"]).assert_code(0);
    s.cli(&["verify"]).assert_code(0);
    s.cli(&["uninstall", "--yes", "-q"]).assert_code(0);
}

#[test]
fn uninstall_refuses_when_anything_is_not_the_tools() {
    let s = Store::new("uninstall_refuse").installed();
    let other = cluster().create_db("uninstall_refuse_other");

    let cases: [(&str, &str, &str, &str); 5] = [
        (
            "a function of the user's in the schema",
            "create function {schema}.mine() returns int language sql as 'select 1'",
            "function {schema}.mine() would be dropped",
            "drop function {schema}.mine()",
        ),
        (
            "a view elsewhere on the session table",
            "create view public.sessions_view as select sess_id from {schema}.session",
            "view public.sessions_view would be dropped",
            "drop view public.sessions_view",
        ),
        (
            "an index of the user's on the session table",
            "create index mine_idx on {schema}.session (sess_data)",
            "index {schema}.mine_idx would be dropped",
            "drop index {schema}.mine_idx",
        ),
        (
            "the app role holds a privilege on another table",
            "create table public.t_ur (x int); grant select on public.t_ur to {role}",
            "role {role} holds privileges on table public.t_ur",
            "drop table public.t_ur",
        ),
        (
            "the owner role owns something else",
            "create table public.t_owned (x int); alter table public.t_owned owner to {owner}",
            "role {owner} owns table public.t_owned",
            "drop table public.t_owned",
        ),
    ];
    for (what, setup, needle, cleanup) in cases {
        s.sql(setup);
        let before = s.db.snapshot();
        let r = s.cli(&["uninstall", "--yes"]);
        assert_eq!(r.code, 4, "{what}: not refused\n{r}");
        let needle = s.render(needle);
        assert!(
            r.stderr.contains(&needle),
            "{what}: {needle:?} missing\n{r}"
        );
        assert_eq!(
            s.db.snapshot(),
            before,
            "{what}: the refusal changed something"
        );
        let r = s.cli(&["uninstall", "--dry-run"]);
        assert_eq!(r.code, 4, "{what}: dry run\n{r}");
        assert!(r.stdout.contains("Uninstall would refuse:"), "{r}");
        s.sql(cleanup);
    }

    // A grant in another database is seen through pg_shdepend: the store here goes, the role
    // stays for the other database, and the uninstall after it is gone there drops it.
    other
        .client()
        .batch_execute(
            &s.render("create table t_elsewhere (x int); grant select on t_elsewhere to {role}"),
        )
        .expect("grant in the other database");
    let r = s.cli(&["uninstall", "--yes"]);
    r.assert_code(0);
    assert!(
        r.stdout.contains(&format!(
            "Keeping role {}: it is still used in database {}",
            s.role,
            other.name()
        )),
        "{r}"
    );
    assert!(r.stdout.contains(&s.render("Dropped role {owner}")), "{r}");
    other
        .client()
        .batch_execute("drop table t_elsewhere")
        .expect("clean up");
    let r = s.cli(&["uninstall", "--yes"]);
    r.assert_code(0);
    assert!(r.stdout.contains(&s.render("Dropped role {role}")), "{r}");
}

// ---------------------------------------------------------------------------------------
// completions and man page

#[test]
fn completions_and_man_page_come_from_the_clap_definition() {
    for (shell, needle) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef connect-pg-admin"),
        ("fish", "complete -c connect-pg-admin"),
    ] {
        let r = plain(&["completions", shell]);
        r.assert_code(0);
        assert!(
            r.stdout.contains(needle),
            "{shell}: {needle:?} missing\n{r}"
        );
        for word in ["uninstall", "set-password", "lock-timeout", "format"] {
            assert!(r.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let bash = plain(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("c.bash");
    std::fs::write(&script, &bash).expect("write completions");
    // bash must accept the script and know the completion afterwards.
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(format!(
        "source {} && complete -p connect-pg-admin",
        script.display()
    ));
    let r = run(cmd);
    r.assert_code(0);
    assert!(r.stdout.contains("connect-pg-admin"), "{r}");

    let man = plain(&["man"]);
    man.assert_code(0);
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "not roff\n{man}"
    );
    for needle in [
        ".TH connect-pg-admin 1",
        ".SH \"CONNECT-PG-ADMIN UNINSTALL\"",
        "\\-\\-dry\\-run",
        "\\-\\-yes",
    ] {
        assert!(
            man.stdout.contains(needle),
            "{needle:?} missing from the man page"
        );
    }
    // man(1) renders it without warnings where it is installed.
    if Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let page = dir.path().join("connect-pg-admin.1");
        std::fs::write(&page, &man.stdout).expect("write man page");
        let mut cmd = Command::new("man");
        cmd.arg("-l")
            .arg(&page)
            .env("MANWIDTH", "100")
            .env("MAN_KEEP_FORMATTING", "0");
        let r = run(cmd);
        r.assert_code(0);
        assert!(r.stdout.contains("uninstall"), "{r}");
    }
}

// ---------------------------------------------------------------------------------------
// Terminal: colour, progress, prompt

/// What a run on a pseudo-terminal wrote (stdout and stderr together, as a terminal shows
/// them) and its exit code.
struct PtyRun {
    code: i32,
    screen: String,
}

/// The binary with the store's names, as a person at a terminal runs it: without the
/// harness's NO_COLOR.
fn tty(s: &Store, args: &[&str]) -> Command {
    let mut cmd = s.db.cli_command(&s.args(args), &[]);
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Runs `cmd` with stdin, stdout and stderr on a new pseudo-terminal (120x40), typing `input`
/// once `prompt` appears (if given).
fn run_on_pty(mut cmd: Command, input: Option<(&str, &str)>) -> PtyRun {
    let (master, slave) = crate::support::pty::open(Some(libc::winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }));
    // A copy of the slave stays open until the child has exited and its last output has
    // been read: closing the last slave hangs the terminal up, and Linux may then drop output
    // the master has not read yet (seen: the final "Uninstalled; committed." line missing).
    let mut held_slave = Some(slave.try_clone().expect("dup"));
    cmd.stdin(Stdio::from(slave.try_clone().expect("dup")))
        .stdout(Stdio::from(slave.try_clone().expect("dup")))
        .stderr(Stdio::from(slave));
    cmd.env("TERM", "xterm-256color");
    let mut child = cmd.spawn().expect("spawn on the pty");
    drop(cmd); // closes the copies given to the child
    let mut reader = std::fs::File::from(master.try_clone().expect("dup master"));
    let mut writer = std::fs::File::from(master);
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let pump = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // EIO once the child (and every copy of the slave) is gone: the end of the screen.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = Vec::new();
    let mut typed = input.is_none();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut status = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(bytes) => screen.extend_from_slice(&bytes),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            // Nothing more to read after the child's exit: now the terminal may hang up,
            // which ends the pump.
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if status.is_some() => {
                held_slave = None;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if status.is_none() {
            status = child.try_wait().expect("wait");
        }
        if let (false, Some((prompt, text))) = (typed, input) {
            if String::from_utf8_lossy(&screen).contains(prompt) {
                use std::io::Write;
                writer.write_all(text.as_bytes()).expect("type on the pty");
                typed = true;
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "pty run timed out; screen so far:\n{}",
                String::from_utf8_lossy(&screen)
            );
        }
    }
    drop(held_slave);
    let _ = pump.join();
    let status = match status {
        Some(status) => status,
        None => child.wait().expect("wait"),
    };
    PtyRun {
        code: status.code().unwrap_or(-1),
        screen: String::from_utf8_lossy(&screen).into_owned(),
    }
}

const GREEN_OK: &str = "\x1b[32mok\x1b[0m";

/// Whether `s` holds an SGR (colour or bold) escape: ESC [ digits and semicolons m. The
/// spinner's own escapes (erase line) are not colour.
fn has_colour(s: &str) -> bool {
    s.match_indices("\x1b[").any(|(i, _)| {
        let rest = &s[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        end > 0 && rest[end..].starts_with('m')
    })
}

#[test]
fn colour_on_a_terminal_never_in_a_pipe() {
    let s = Store::new("colour");
    s.cli(&["install", "-q"]).assert_code(0);

    let r = run_on_pty(tty(&s, &["verify"]), None);
    assert_eq!(r.code, 0, "{}", r.screen);
    assert!(
        r.screen.contains(GREEN_OK),
        "no colour on a terminal:\n{:?}",
        r.screen
    );
    assert!(r.screen.contains("\x1b[1mAll "), "{:?}", r.screen);

    // A pipe: no escape sequence at all, also without NO_COLOR.
    let mut cmd = s.db.cli_command(&s.args(&["verify"]), &[]);
    cmd.env_remove("NO_COLOR");
    let piped = run(cmd);
    piped.assert_code(0);
    assert!(
        !piped.stdout.contains('\x1b') && !piped.stderr.contains('\x1b'),
        "{piped}"
    );

    // NO_COLOR and --color never switch it off on a terminal; --color always on in a pipe.
    let mut no_color = tty(&s, &["verify"]);
    no_color.env("NO_COLOR", "1");
    let r = run_on_pty(no_color, None);
    assert_eq!(r.code, 0, "{}", r.screen);
    assert!(r.screen.contains("ok    "), "{:?}", r.screen);
    assert!(!has_colour(&r.screen), "NO_COLOR coloured:\n{:?}", r.screen);
    let r = run_on_pty(tty(&s, &["verify", "--color", "never"]), None);
    assert!(
        !has_colour(&r.screen),
        "--color never coloured:\n{:?}",
        r.screen
    );
    let always = s.cli(&["verify", "--color", "always"]);
    assert!(always.stdout.contains(GREEN_OK), "{always}");
    s.cli(&["uninstall", "--yes"]).assert_code(0);
}

#[test]
fn progress_spinner_on_a_terminal_never_in_a_pipe() {
    let s = Store::new("progress");
    let waiting = "waiting for another connect-pg-admin run on this schema to finish";

    // Held for 1.5 s: long enough for the spinner to draw, far below --wait.
    let release_after = |lock: postgres::Client| {
        std::thread::spawn(move || {
            let mut lock = lock;
            std::thread::sleep(Duration::from_millis(1500));
            lock.batch_execute("ROLLBACK").expect("release");
        })
    };

    let t = release_after(hold_install_lock(&s.db, &s.schema));
    let r = run_on_pty(tty(&s, &["install"]), None);
    t.join().expect("lock thread");
    assert_eq!(r.code, 0, "{}", r.screen);
    assert!(
        r.screen.contains(waiting),
        "no progress on a terminal:\n{:?}",
        r.screen
    );
    // indicatif redraws in place and clears the line when done.
    assert!(
        r.screen.contains("\r\x1b[2K") || r.screen.contains("\x1b[2K"),
        "{:?}",
        r.screen
    );
    assert!(r.screen.contains("Installed: all"), "{:?}", r.screen);

    // In a pipe: no spinner, no control characters; with -v the same news as plain lines.
    s.cli(&["uninstall", "--yes"]).assert_code(0);
    let t = release_after(hold_install_lock(&s.db, &s.schema));
    let piped = s.cli(&["install"]);
    t.join().expect("lock thread");
    piped.assert_code(0);
    assert!(!piped.stderr.contains(waiting), "{piped}");
    for out in [&piped.stdout, &piped.stderr] {
        assert!(!out.contains('\x1b') && !out.contains('\r'), "{piped}");
    }
    let verbose = s.cli(&["verify", "-v"]);
    assert!(
        verbose
            .stderr
            .contains("connect-pg-admin: running the checks\n"),
        "{verbose}"
    );
    assert!(!verbose.stderr.contains('\x1b'), "{verbose}");

    // -q: nothing on a success, on a terminal too.
    let r = run_on_pty(tty(&s, &["verify", "-q"]), None);
    assert_eq!(r.code, 0);
    assert_eq!(r.screen, "", "-q printed on success");
    s.cli(&["uninstall", "--yes"]).assert_code(0);
}

#[test]
fn uninstall_asks_for_the_schema_name_at_a_terminal() {
    let s = Store::new("uninstall_prompt").installed();
    let prompt = s.render("Type the schema name ({schema}) to confirm: ");

    let r = run_on_pty(tty(&s, &["uninstall"]), Some((&prompt, "web\n")));
    assert_eq!(r.code, 2, "{}", r.screen);
    assert!(
        r.screen.contains(&s.render(
            "This drops schema {schema} and its 0 session(s), and role(s) {owner}, {role}."
        )),
        "{}",
        r.screen
    );
    assert!(r.screen.contains("not confirmed"), "{}", r.screen);
    let installed = "select from pg_namespace where nspname = '{schema}'";
    assert!(exists(&s, installed));

    let typed = format!("{}\n", s.schema);
    let r = run_on_pty(tty(&s, &["uninstall"]), Some((&prompt, &typed)));
    assert_eq!(r.code, 0, "{}", r.screen);
    assert!(r.screen.contains("Uninstalled; committed."), "{}", r.screen);
    assert!(!exists(&s, installed));
}
