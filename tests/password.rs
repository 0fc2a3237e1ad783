//! `set-password` and install's password options (issue 4), against a real cluster with
//! `password_encryption = scram-sha-256`, password authentication and `log_statement = all`.
//!
//! Every test holds the cluster's global lock: roles are cluster-wide, and other modules'
//! snapshots must not see these tests' roles change under them. Each test uses its own schema
//! and role names, so their owner roles do not collide either.

use std::fs;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::{cluster, private_cluster, run, Run, Store};

const USAGE: i32 = 2;
const CONNECTION: i32 = 3;
const REFUSED: i32 = 4;

/// A store of the test's own, holding the cluster's global lock (see the module's comment).
fn fixture(hint: &str) -> Store {
    Store::one_at_a_time(cluster(), &format!("pw_{hint}"))
}

/// A database with the session store installed (the role has no password yet).
fn installed(hint: &str) -> Store {
    fixture(hint).installed()
}

/// 200 characters: leading and trailing spaces, both quotes, backslashes, non-ASCII letters.
fn awkward_password() -> String {
    let body = "it's a \"quoted\" back\\slash\\\\ Grüße, Ωμέγα, жук, çà $1 %s ;-- ";
    let mut s = String::from(" ");
    while s.chars().count() < 199 {
        s.push_str(body);
    }
    let mut s: String = s.chars().take(199).collect();
    s.push(' ');
    assert_eq!(s.chars().count(), 200);
    s
}

fn unique_password(tag: &str) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("{tag}-{}", Alphanumeric.sample_string(&mut rand::rng(), 20))
}

#[test]
fn the_new_password_logs_in_and_the_old_one_no_longer_does() {
    let f = installed("new_and_old");
    assert_eq!(f.stored(), None, "install gives the role no password");
    f.assert_login_refused("");

    let first = unique_password("first");
    let run = f.cli_stdin(
        &["set-password", "--password-stdin"],
        format!("{first}\n").as_bytes(),
    );
    run.assert_code(0);
    assert!(
        run.stdout
            .contains(&format!("Password of role {} set", f.role)),
        "{run}"
    );
    let stored = f.stored().expect("a password is set");
    assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");
    assert_eq!(f.login(&first), Ok(()));

    let second = unique_password("second");
    f.cli_stdin(&["set-password", "--password-stdin"], second.as_bytes())
        .assert_code(0);
    assert_eq!(f.login(&second), Ok(()));
    f.assert_login_refused(&first);
    assert_ne!(f.stored(), Some(stored));
}

#[test]
fn the_plaintext_never_reaches_the_log_pg_stat_activity_or_the_process_list() {
    let f = installed("nowhere");
    let password = unique_password("never-seen");
    let mut admin = f.db.client();

    let mut cmd = f.db.cli_command(
        &f.args(&["set-password", "--password-stdin", "--check-login"]),
        &[],
    );
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start connect-pg-admin");
    let mut stdin = child.stdin.take();
    let started = Instant::now();
    let mut polls = 0;
    let status = loop {
        let ps = Command::new("ps")
            .args(["-eo", "args"])
            .output()
            .expect("ps");
        assert!(
            !String::from_utf8_lossy(&ps.stdout).contains(&password),
            "argv holds the password"
        );
        let activity: String = admin
            .query_one(
                "select coalesce(string_agg(query, e'\\n'), '') from pg_stat_activity",
                &[],
            )
            .expect("pg_stat_activity")
            .get(0);
        assert!(
            !activity.contains(&password),
            "pg_stat_activity holds the password"
        );
        polls += 1;
        // Give the process time to connect and wait on stdin, then feed it.
        if polls == 20 {
            if let Some(mut pipe) = stdin.take() {
                pipe.write_all(format!("{password}\n").as_bytes())
                    .expect("write stdin");
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "set-password hangs"
        );
        thread::sleep(Duration::from_millis(10));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(stdout.contains("Logged in as"), "{stdout}");
    assert!(polls >= 20, "the run was over before its stdin was written");
    assert_eq!(f.login(&password), Ok(()));
    assert!(!stdout.contains(&password) && !stderr.contains(&password));

    let log = f.db.cluster().log_contents();
    assert!(
        !log.contains(&password),
        "the server log holds the password"
    );
    // Connected as a superuser, the tool turned statement logging off for the ALTER ROLE: not
    // even the verifier is in the log.
    let verifier = f.stored().expect("set");
    assert!(
        !log.contains(&verifier),
        "the server log holds the verifier"
    );
    assert!(!stderr.contains("note:"), "{stderr}");
}

#[test]
fn without_the_right_to_silence_the_log_only_the_verifier_is_logged() {
    let f = installed("createrole_admin");
    let admin_role = format!("{}_admin", f.role);
    let admin_pw = unique_password("admin");
    let mut grant = String::new();
    if f.db.cluster().major() >= 16 {
        // Since PostgreSQL 16 CREATEROLE covers only roles one holds ADMIN OPTION on.
        grant = format!(
            "grant {} to {admin_role} with admin option, inherit false, set false;",
            f.role
        );
    }
    f.db.client()
        .batch_execute(&format!(
            "create role {admin_role} login createrole password '{admin_pw}'; {grant}"
        ))
        .expect("create the admin role");
    let password = unique_password("by-createrole");
    let dsn = format!("{} user={admin_role}", f.db.dsn());
    let run = crate::support::run_with_stdin(
        {
            let mut cmd = crate::support::bin();
            cmd.args(f.args(&["set-password", "--password-stdin"]))
                .args(["--dsn", &dsn])
                .env("PGPASSWORD", &admin_pw);
            cmd
        },
        Some(password.as_bytes()),
    );
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("note: the connected role may not turn statement logging off"),
        "{run}"
    );
    assert_eq!(f.login(&password), Ok(()));
    let log = f.db.cluster().log_contents();
    assert!(!log.contains(&password));
    assert!(
        log.contains(&f.stored().expect("set")),
        "logging was on, so the verifier is logged"
    );
}

#[test]
fn stdin_and_file_take_quotes_backslashes_spaces_and_non_ascii_letters() {
    let f = installed("awkward");
    let awkward = awkward_password();
    f.cli_stdin(
        &["set-password", "--password-stdin"],
        format!("{awkward}\n").as_bytes(),
    )
    .assert_code(0);
    assert_eq!(f.login(&awkward), Ok(()));
    f.assert_login_refused(awkward.trim());

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("secret");
    let reversed: String = awkward.chars().rev().collect();
    fs::write(&file, format!("{reversed}\r\n")).expect("write the password file");
    private(&file);
    let path = file.display().to_string();
    f.cli(&["set-password", "--password-file", &path])
        .assert_code(0);
    assert_eq!(f.login(&reversed), Ok(()));
    f.assert_login_refused(&awkward);

    // A file without a final newline is one line too.
    fs::write(&file, "no-newline-at-the-end").expect("write");
    private(&file);
    f.cli(&["set-password", "--password-file", &path])
        .assert_code(0);
    assert_eq!(f.login("no-newline-at-the-end"), Ok(()));
}

/// Runs `run` and asserts that it failed with `code` and `message`, that the catalog snapshot
/// and the role's verifier are what they were, and that no password is in the output.
#[track_caller]
fn assert_refused(f: &Store, code: i32, message: &str, run: impl FnOnce() -> Run) {
    let before = f.db.snapshot();
    let stored = f.stored();
    let run = run();
    run.assert_code(code);
    assert!(run.stderr.contains(message), "expected {message:?}\n{run}");
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "one line\n{run}");
    assert_eq!(run.stdout, "", "{run}");
    assert_eq!(f.db.snapshot(), before, "nothing may change\n{run}");
    assert_eq!(f.stored(), stored, "the password may not change\n{run}");
}

#[test]
fn bad_passwords_are_refused_and_change_nothing() {
    let f = installed("bad_input");
    f.cli_stdin(&["set-password", "--password-stdin"], b"kept\n")
        .assert_code(0);

    assert_refused(&f, USAGE, "the password is empty", || {
        f.cli_stdin(&["set-password", "--password-stdin"], b"\n")
    });
    assert_refused(&f, USAGE, "the password is empty", || {
        f.cli_stdin(&["set-password", "--password-stdin"], b"")
    });
    assert_refused(&f, USAGE, "holds more than one line", || {
        f.cli_stdin(&["set-password", "--password-stdin"], b"one\ntwo\n")
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    fs::write(&empty, "").expect("write");
    private(&empty);
    assert_refused(&f, USAGE, "the password is empty", || {
        f.cli(&[
            "set-password",
            "--password-file",
            &empty.display().to_string(),
        ])
    });
    let missing = dir.path().join("missing");
    assert_refused(&f, USAGE, "cannot read --password-file", || {
        f.cli(&[
            "set-password",
            "--password-file",
            &missing.display().to_string(),
        ])
    });
    // The harness runs the binary without a controlling terminal and stdin from /dev/null.
    assert_refused(&f, USAGE, "no terminal to ask for the password on", || {
        f.cli(&["set-password"])
    });
    // Never from argv: there is no option that takes the password itself.
    let run = f.cli(&["set-password", "--password", "hunter2"]);
    run.assert_code(USAGE);
    assert!(
        !run.stderr.contains("hunter2") || run.stderr.contains("unexpected argument"),
        "{run}"
    );
    let run = f.cli(&["set-password", "--password-stdin", "--generate"]);
    run.assert_code(USAGE);
    assert!(run.stderr.contains("cannot be used with"), "{run}");
    assert_eq!(f.login("kept"), Ok(()));
}

#[test]
fn roles_that_are_not_the_application_role_are_refused() {
    let f = installed("not_ours");
    let mut admin = f.db.client();
    let other = format!("{}_x", f.role);
    let run_for = |role: &str, schema: &str| {
        f.db.cli_with(
            &[
                "--schema",
                schema,
                "--role",
                role,
                "set-password",
                "--password-stdin",
            ],
            &[],
            Some(b"whatever\n"),
        )
    };

    assert_refused(
        &f,
        REFUSED,
        "does not exist; run `connect-pg-admin install",
        || run_for(&other, &f.schema),
    );
    // `postgres` is not even a name the tool accepts for --role.
    assert_refused(&f, USAGE, "--role \"postgres\" is reserved", || {
        run_for("postgres", &f.schema)
    });

    // A superuser, even one granted EXECUTE like the application role.
    admin
        .batch_execute(&format!(
            "create role {other} login superuser;
             grant usage on schema {s} to {other};
             grant execute on function {s}.get_session_data(text) to {other}",
            s = f.schema
        ))
        .expect("setup");
    assert_refused(
        &f,
        REFUSED,
        "has SUPERUSER, so it is not the application role",
        || run_for(&other, &f.schema),
    );
    admin
        .batch_execute(&format!("alter role {other} nosuperuser createrole"))
        .expect("setup");
    assert_refused(&f, REFUSED, "has CREATEROLE", || run_for(&other, &f.schema));
    admin
        .batch_execute(&format!(
            "alter role {other} nocreaterole; create table public.t_{other} (); alter table public.t_{other} owner to {other}"
        ))
        .expect("setup");
    assert_refused(&f, REFUSED, "owns 1 object(s)", || {
        run_for(&other, &f.schema)
    });
    admin
        .batch_execute(&format!(
            "drop table public.t_{other}; create role {other}_grp; grant {other}_grp to {other}"
        ))
        .expect("setup");
    assert_refused(&f, REFUSED, &format!("is a member of {other}_grp"), || {
        run_for(&other, &f.schema)
    });
    // A plain login role without the application role's grant.
    admin
        .batch_execute(&format!(
            "revoke {other}_grp from {other}; revoke execute on function {s}.get_session_data(text) from {other}",
            s = f.schema
        ))
        .expect("setup");
    assert_refused(&f, REFUSED, "holds no EXECUTE on", || {
        run_for(&other, &f.schema)
    });

    // The application role of another schema is not this schema's.
    let second_schema = format!("{}_b", f.schema);
    f.db.cli(&["--schema", &second_schema, "--role", &other, "install"])
        .assert_code(0);
    assert_refused(
        &f,
        REFUSED,
        &format!("role {} holds no EXECUTE on {}", f.role, second_schema),
        || run_for(&f.role, &second_schema),
    );
    assert_refused(
        &f,
        REFUSED,
        "has no function get_session_data(text)",
        || run_for(&f.role, "pw_not_installed"),
    );
    // And the rule lets the right pairs through.
    run_for(&other, &second_schema).assert_code(0);
    run_for(&f.role, &f.schema).assert_code(0);
}

#[test]
fn a_role_without_the_right_to_alter_roles_is_refused() {
    let f = installed("no_createrole");
    let weak = format!("{}_weak", f.role);
    let weak_pw = unique_password("weak");
    f.db.client()
        .batch_execute(&format!("create role {weak} login password '{weak_pw}'"))
        .expect("setup");
    let dsn = format!("{} user={weak}", f.db.dsn());
    assert_refused(&f, REFUSED, "may not change the password of role", || {
        let mut cmd = crate::support::bin();
        cmd.args(f.args(&["set-password", "--password-stdin"]))
            .args(["--dsn", &dsn])
            .env("PGPASSWORD", &weak_pw);
        crate::support::run_with_stdin(cmd, Some(b"denied-password\n"))
    });
    assert!(!f.db.cluster().log_contents().contains("denied-password"));
}

#[test]
fn generate_prints_exactly_one_line_that_logs_in() {
    let f = installed("generate");
    let run = f.cli(&["set-password", "--generate", "--check-login"]);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run}");
    assert!(run.stdout.ends_with('\n'));
    let generated = lines[0];
    assert_eq!(generated.len(), 32, "{run}");
    assert!(
        generated
            .chars()
            .all(|c| c.is_ascii_alphanumeric() && !"0Oo1lI".contains(c)),
        "{generated}"
    );
    assert!(run.stderr.contains("Logged in as"), "{run}");
    assert_eq!(f.login(generated), Ok(()));

    let again = f.cli(&["set-password", "--generate"]);
    again.assert_code(0);
    assert_ne!(again.stdout.trim_end(), generated);
    f.assert_login_refused(generated);
    assert_eq!(f.login(again.stdout.trim_end()), Ok(()));
    assert!(!f.db.cluster().log_contents().contains(generated));
}

#[test]
fn check_login_reports_a_failed_login_and_still_prints_the_generated_password() {
    let f = installed("login_fails");
    let db = f.db.name().to_string();
    f.db.client()
        .batch_execute(&format!("revoke connect on database {db} from public"))
        .expect("revoke");
    let run = f.cli(&["set-password", "--generate", "--check-login"]);
    run.assert_code(CONNECTION);
    assert!(
        run.stderr
            .contains("the new password was set and committed, but logging in with it failed"),
        "{run}"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run}");
    f.db.client()
        .batch_execute(&format!("grant connect on database {db} to public"))
        .expect("grant");
    assert_eq!(f.login(lines[0]), Ok(()));
}

#[test]
fn check_login_uses_the_same_tls_settings() {
    // pg_hba is changed, so this runs on a cluster of its own.
    let c = private_cluster();
    let f = Store::one_at_a_time(c, "pw_tls");
    f.cli(&["install"]).assert_code(0);
    let hba = c.data_dir().join("pg_hba.conf");
    let rules = fs::read_to_string(&hba).expect("read pg_hba.conf");
    fs::write(
        &hba,
        format!("hostnossl all {} 127.0.0.1/32 reject\n{rules}", f.role),
    )
    .expect("write pg_hba.conf");
    f.db.client()
        .batch_execute("select pg_reload_conf()")
        .expect("reload");
    thread::sleep(Duration::from_millis(300));

    let tls_dsn = format!(
        "host=localhost hostaddr=127.0.0.1 port={} user=postgres dbname={} sslmode=verify-full sslrootcert={}",
        c.port(),
        f.db.name(),
        c.ca_cert().display()
    );
    let with = |dsn: &str| {
        let mut cmd = crate::support::bin();
        cmd.args(f.args(&["set-password", "--password-stdin", "--check-login"]))
            .args(["--dsn", dsn])
            .env("PGPASSWORD", c.superuser_password());
        crate::support::run_with_stdin(cmd, Some(b"over-tls-only\n"))
    };
    let run = with(&tls_dsn);
    run.assert_code(0);
    assert!(run.stdout.contains("Logged in as"), "{run}");

    // Without TLS the same login is rejected by pg_hba: the check did not quietly use TLS.
    let run = with(&f.db.dsn());
    run.assert_code(CONNECTION);
    assert!(run.stderr.contains("set and committed"), "{run}");
}

#[test]
fn install_creates_the_role_with_its_password_in_one_commit() {
    let f = fixture("install_password");
    let password = unique_password("from-install");
    let run = f.cli_stdin(
        &["install", "--password-stdin", "--check-login"],
        password.as_bytes(),
    );
    run.assert_code(0);
    assert!(run.stdout.contains("Installed: all"), "{run}");
    assert!(run.stdout.contains("Logged in as"), "{run}");
    assert_eq!(f.login(&password), Ok(()));

    // Nothing left to repair: the password is still set, in a commit of its own.
    let run = f.cli(&["install", "--generate"]);
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "{run}");
    assert!(run.stderr.contains("nothing to repair"), "{run}");
    assert_eq!(f.login(run.stdout.trim_end()), Ok(()));
    f.assert_login_refused(&password);
    assert!(!f.db.cluster().log_contents().contains(&password));

    // A dry run reads and sets nothing.
    let before = f.stored();
    f.cli_stdin(&["install", "--dry-run", "--password-stdin"], b"unused\n")
        .assert_code(0);
    assert_eq!(f.stored(), before);
}

#[test]
fn install_rolls_everything_back_when_the_password_is_refused() {
    let f = fixture("install_refused");
    assert_refused(&f, USAGE, "the password is empty", || {
        f.cli_stdin(&["install", "--password-stdin"], b"\n")
    });
    assert_refused(
        &f,
        USAGE,
        "install --check-login needs a password source",
        || f.cli(&["install", "--check-login"]),
    );
    // The role exists beforehand and owns a table: install's preflight (src/commands/install/preflight.rs)
    // refuses it as someone else's role before anything is changed (and the password rule,
    // which also refuses a role that owns anything, would refuse it before the commit).
    f.db.client()
        .batch_execute(&format!(
            "create role {r} login; create table public.t_{r} (); alter table public.t_{r} owner to {r}",
            r = f.role
        ))
        .expect("setup");
    assert_refused(&f, REFUSED, "owns ", || {
        f.cli_stdin(&["install", "--password-stdin"], b"refused-password\n")
    });
    let schemas = f.db.query_strings(&format!(
        "select count(*) from pg_namespace where nspname = '{}'",
        f.schema
    ));
    assert_eq!(
        schemas,
        ["0"],
        "the install was rolled back with the password"
    );
}

#[test]
fn install_rolls_everything_back_when_setting_the_password_fails() {
    let f = fixture("install_password_fails");
    // A clean role that install adopts without changing its row; another session holds that
    // row locked, so only the password change (the last thing before the commit) has to wait
    // for it, and gives up after --lock-timeout.
    let mut admin = f.db.client();
    admin
        .batch_execute(&format!("create role {} login", f.role))
        .expect("setup");
    let mut holder = f.db.client();
    let mut tx = holder.transaction().expect("begin");
    tx.batch_execute(&format!(
        "select 1 from pg_authid where rolname = '{}' for update",
        f.role
    ))
    .expect("lock the role's row");
    assert_refused(
        &f,
        6,
        "so its password could not be set within the lock timeout",
        || {
            f.cli_stdin(
                &["install", "--lock-timeout", "200ms", "--password-stdin"],
                b"never-set\n",
            )
        },
    );
    tx.rollback().expect("rollback");
    let schemas = f.db.query_strings(&format!(
        "select count(*) from pg_namespace where nspname = '{}'",
        f.schema
    ));
    assert_eq!(schemas, ["0"], "the install went back with the password");
    // Without the lock the same command installs and sets the password in one commit.
    f.cli_stdin(&["install", "--password-stdin"], b"now-set\n")
        .assert_code(0);
    assert_eq!(f.login("now-set"), Ok(()));
}

/// Runs `cmd` with a new pseudo-terminal as its controlling terminal and stdin; `answers` are
/// typed, each once its prompt (`(prompt text, answer)`) is on the screen and the terminal's
/// echo is off. Returns the run and everything the program wrote to the terminal.
fn run_in_pty(mut cmd: Command, answers: &[(&str, &str)]) -> (Run, String) {
    let (master, slave) = crate::support::pty::open(None);
    let slave_for_child = slave.try_clone().expect("dup the pty");
    cmd.stdin(Stdio::from(slave_for_child));
    // SAFETY: ioctl is async-signal-safe; bin() already made the child a session leader, and
    // fd 0 is the pty, which becomes its controlling terminal so that /dev/tty opens it.
    unsafe {
        cmd.pre_exec(|| {
            if libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }

    let done = Arc::new(AtomicBool::new(false));
    let answers: Vec<(String, String)> = answers
        .iter()
        .map(|(p, a)| (p.to_string(), a.to_string()))
        .collect();
    let typist = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut master = fs::File::from(master);
            let mut screen = Vec::new();
            let mut next = 0;
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(60) {
                let mut pfd = libc::pollfd {
                    fd: master.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                let ready = unsafe { libc::poll(&mut pfd, 1, 50) };
                if ready > 0 {
                    let mut buf = [0u8; 1024];
                    match master.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => screen.extend_from_slice(&buf[..n]),
                    }
                } else if done.load(Ordering::SeqCst) {
                    break;
                }
                if let Some((prompt, answer)) = answers.get(next) {
                    let text = String::from_utf8_lossy(&screen);
                    if text.matches(prompt.as_str()).count()
                        > answers[..next].iter().filter(|(p, _)| p == prompt).count()
                        && echo_off(&slave)
                    {
                        master
                            .write_all(format!("{answer}\r").as_bytes())
                            .expect("type");
                        next += 1;
                    }
                }
            }
            drop(slave);
            String::from_utf8_lossy(&screen).into_owned()
        })
    };
    let result = run(cmd);
    done.store(true, Ordering::SeqCst);
    let screen = typist.join().expect("the typist thread");
    (result, screen)
}

fn echo_off(tty: &OwnedFd) -> bool {
    // SAFETY: a zeroed termios is a valid out-parameter for tcgetattr on an open fd.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        libc::tcgetattr(tty.as_raw_fd(), &mut t) == 0 && t.c_lflag & libc::ECHO == 0
    }
}

#[test]
fn the_prompt_asks_twice_on_a_real_terminal_and_refuses_a_mismatch() {
    let f = installed("prompt");
    let typed = format!("typed at the terminal {}", unique_password("é"));
    let new_prompt = format!("New password for role {}: ", f.role);
    let repeat = "Repeat the new password: ";
    let (run, screen) = run_in_pty(
        f.db.cli_command(&f.args(&["set-password"]), &[]),
        &[(&new_prompt, &typed), (repeat, &typed)],
    );
    run.assert_code(0);
    assert!(
        screen.contains(&new_prompt) && screen.contains(repeat),
        "{screen:?}"
    );
    assert!(
        !screen.contains(&typed),
        "the password was echoed: {screen:?}"
    );
    assert_eq!(f.login(&typed), Ok(()));

    assert_refused(&f, USAGE, "the two passwords typed differ", || {
        let (run, screen) = run_in_pty(
            f.db.cli_command(&f.args(&["set-password"]), &[]),
            &[(&new_prompt, "first try"), (repeat, "second try")],
        );
        assert!(screen.contains(repeat), "{screen:?}");
        run
    });
    assert_eq!(f.login(&typed), Ok(()));

    // install asks only when told to.
    let (run, _) = run_in_pty(
        f.db.cli_command(&f.args(&["install", "--password-prompt"]), &[]),
        &[(&new_prompt, "from install"), (repeat, "from install")],
    );
    run.assert_code(0);
    assert_eq!(f.login("from install"), Ok(()));
}

/// A password file the tool accepts: readable by its owner alone (it refuses others, as libpq
/// refuses such a ~/.pgpass).
fn private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).expect("chmod 600");
}
