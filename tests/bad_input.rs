//! Issue 6: bad input. Every case gives a documented exit code and one line on stderr that
//! says what to do, never a panic, and leaves the database as it was (catalog snapshot before
//! and after). docs/security.md has the table of these cases; each row names its test here.
//!
//! Roles are cluster-wide and tests run in parallel: every role a test creates, and every
//! --role / --schema whose owner role install would create, starts with the database's name.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

use crate::support::{bin, cluster, private_cluster, run, Run, TestDb};

const USAGE: i32 = 2;
const CONNECTION: i32 = 3;
const REFUSED: i32 = 4;

/// The snapshot without the default role names, which other modules' tests may change at any
/// moment (they are cluster-wide); these tests never use them.
fn snapshot(db: &TestDb) -> String {
    db.snapshot()
        .lines()
        .filter(|l| {
            !(l.starts_with("nodepg ")
                || l.starts_with("web_owner ")
                || l.contains(" in nodepg ")
                || l.contains(" in web_owner "))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Exit code `code`, exactly one line on stderr, prefixed, naming every one of `mentions`,
/// no panic and no backtrace.
#[track_caller]
fn assert_answer(run: &Run, code: i32, mentions: &[&str]) {
    assert_eq!(run.code, code, "unexpected exit code\n{run}");
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "expected one line on stderr\n{run}");
    assert!(err.starts_with("connect-pg-admin: error: "), "{run}");
    for m in mentions {
        assert!(err.contains(m), "stderr should mention {m:?}\n{run}");
    }
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "{run}"
    );
}

/// The binary with only `args` (no --dsn from the harness) and the superuser password.
fn cli_raw(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin();
    cmd.args(args)
        .env("PGPASSWORD", cluster().superuser_password());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd)
}

/// Runs `args` against `db` and asserts the answer and that the database did not change.
#[track_caller]
fn refused_unchanged(db: &TestDb, args: &[&str], code: i32, mentions: &[&str]) -> Run {
    refused_unchanged_by(db, code, mentions, || db.cli(args))
}

/// The same for a run that is not plain `db.cli` (another user, another DSN).
#[track_caller]
fn refused_unchanged_by(
    db: &TestDb,
    code: i32,
    mentions: &[&str],
    cli: impl FnOnce() -> Run,
) -> Run {
    let before = snapshot(db);
    let run = cli();
    assert_answer(&run, code, mentions);
    assert_eq!(before, snapshot(db), "the database changed\n{run}");
    run
}

// ---- the command line and the connection -----------------------------------------------

#[test]
fn malformed_connection_strings_are_refused_before_connecting() {
    let db = cluster().create_db("bad_dsn");
    let before = snapshot(&db);
    for (dsn, mentions) in [
        ("host='unterminated", &["no closing quote"][..]),
        ("host=localhost port", &["key=value"][..]),
        ("postgres://bob:secret@[::1", &["invalid URL"][..]),
        ("postgres://h/db?sslmode", &["no \"=\""][..]),
        ("postgres://h/%zzdb", &["percent-encoding"][..]),
        ("host=127.0.0.1 port=99999", &["invalid port"][..]),
        ("host=127.0.0.1 sslmode=sometimes", &["invalid sslmode"][..]),
        (
            "host=a,b,c port=1,2",
            &["could not match 2 port numbers to 3 hosts"][..],
        ),
    ] {
        let run = cli_raw(&["install", "--dsn", dsn], &[]);
        assert_answer(&run, USAGE, mentions);
        assert!(!run.stderr.contains("secret"), "the password leaked\n{run}");
    }
    assert_eq!(before, snapshot(&db));
}

#[test]
fn an_unknown_connection_option_is_named() {
    let run = cli_raw(&["verify", "--dsn", "host=127.0.0.1 colour=blue"], &[]);
    assert_answer(
        &run,
        USAGE,
        &["unknown connection option \"colour\"", "docs/connection.md"],
    );
    // A libpq option this tool refuses on purpose is called that, not "unknown".
    let run = cli_raw(&["verify", "--dsn", "host=127.0.0.1 gsslib=gssapi"], &[]);
    assert_answer(
        &run,
        USAGE,
        &[
            "gsslib= in the connection string is set",
            "no GSSAPI support",
        ],
    );
}

#[test]
fn an_unknown_command_line_option_is_a_usage_error() {
    // One line like every other error, naming the option and where the options are listed.
    let run = cli_raw(&["install", "--no-such-flag"], &[]);
    assert_eq!(run.code, USAGE, "{run}");
    assert_eq!(
        run.stderr.trim_end(),
        "connect-pg-admin: error: unexpected argument '--no-such-flag' found; see 'connect-pg-admin install --help'",
        "{run}"
    );
    assert!(run.stdout.is_empty(), "{run}");
}

#[test]
fn an_unreachable_host_is_a_connection_error() {
    let db = cluster().create_db("unreachable");
    let before = snapshot(&db);
    // A port nobody listens on: bind one, note it, close it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dsn = format!("host=127.0.0.1 port={closed} user=postgres dbname=x connect_timeout=3");
    let run = cli_raw(&["install", "--dsn", &dsn], &[]);
    assert_answer(
        &run,
        CONNECTION,
        &[
            "cannot reach the server at 127.0.0.1",
            "check that PostgreSQL is running",
        ],
    );
    assert_eq!(before, snapshot(&db));
}

#[test]
fn tls_refused_by_the_server_is_a_connection_error() {
    // A server with TLS turned off answers the TLS request with "N": sslmode=require must
    // then fail instead of talking in the clear.
    let c = private_cluster();
    let mut admin = c.admin("postgres");
    admin
        .batch_execute("ALTER SYSTEM SET ssl = off")
        .expect("turn TLS off");
    admin
        .batch_execute("SELECT pg_reload_conf()")
        .expect("reload");
    // The reload is asynchronous: wait until a new backend sees it.
    for _ in 0..100 {
        let shown = c
            .admin("postgres")
            .query_one("SHOW ssl", &[])
            .map(|r| r.get::<_, String>(0));
        if shown.ok().as_deref() == Some("off") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let db = c.create_db("tls_refused");
    let before = snapshot(&db);
    let dsn = format!(
        "host=127.0.0.1 port={} user=postgres dbname={} sslmode=require",
        c.port(),
        db.name()
    );
    let mut cmd = bin();
    cmd.args(["install", "--dsn", &dsn])
        .env("PGPASSWORD", c.superuser_password());
    let refused = run(cmd);
    assert_answer(
        &refused,
        CONNECTION,
        &["does not support TLS, but sslmode=require requires it"],
    );
    assert_eq!(before, snapshot(&db));
    // The same server in the clear works: the refusal was about TLS only.
    let dsn = dsn.replace("sslmode=require", "sslmode=prefer");
    let mut cmd = bin();
    cmd.args(["verify", "--dsn", &dsn])
        .env("PGPASSWORD", c.superuser_password());
    let ok = run(cmd);
    assert_eq!(ok.code, 1, "verify over plain TCP reaches the checks\n{ok}");
}

#[test]
fn a_wrong_password_is_a_connection_error_that_does_not_echo_it() {
    let db = cluster().create_db("wrong_pw");
    let before = snapshot(&db);
    let run = db.cli_with(
        &["install"],
        &[("PGPASSWORD", "not-the-Password-1234")],
        None,
    );
    assert_answer(
        &run,
        CONNECTION,
        &[
            "password authentication failed for user \"postgres\"",
            "PGPASSWORD",
        ],
    );
    assert!(!run.stderr.contains("not-the-Password-1234"), "{run}");
    assert_eq!(before, snapshot(&db));
}

#[test]
fn a_missing_database_is_a_connection_error() {
    let dsn = format!(
        "host=127.0.0.1 port={} user=postgres dbname=no_such_db_issue6 sslmode=disable",
        cluster().port()
    );
    let run = cli_raw(&["install", "--dsn", &dsn], &[]);
    assert_answer(&run, CONNECTION, &["no_such_db_issue6"]);
    let exists = cluster()
        .admin("postgres")
        .query(
            "SELECT 1 FROM pg_database WHERE datname = 'no_such_db_issue6'",
            &[],
        )
        .expect("query");
    assert!(exists.is_empty(), "install must not create the database");
}

// ---- a connected role without the rights ------------------------------------------------

/// A login role named after the database, with `attributes`, and a DSN that connects as it.
fn login_role(db: &TestDb, suffix: &str, attributes: &str) -> (String, String) {
    let role = format!("{}_{suffix}", db.name());
    let password = format!("{role}-pw");
    db.client()
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN {attributes} PASSWORD '{password}'"
        ))
        .expect("create the login role");
    (role, password)
}

fn cli_as(db: &TestDb, user: &str, password: &str, args: &[&str]) -> Run {
    let dsn = db.dsn().replace("user=postgres", &format!("user={user}"));
    let mut cmd = bin();
    cmd.args(args)
        .arg("--dsn")
        .arg(dsn)
        .env("PGPASSWORD", password);
    run(cmd)
}

/// `install --schema --role` as `user` is refused and changes nothing.
#[track_caller]
fn install_as_refused(
    db: &TestDb,
    (user, password): (&str, &str),
    (schema, role): (&str, &str),
    mentions: &[&str],
) {
    refused_unchanged_by(db, REFUSED, mentions, || {
        cli_as(
            db,
            user,
            password,
            &["install", "--schema", schema, "--role", role],
        )
    });
}

#[test]
fn a_role_that_is_not_a_superuser_may_not_create_the_roles() {
    let db = cluster().create_db("no_superuser");
    let (schema, role) = (format!("{}_s", db.name()), format!("{}_app", db.name()));
    // CREATEROLE is not enough: the roles are made NOSUPERUSER NOREPLICATION NOBYPASSRLS.
    for (suffix, attributes) in [("login", ""), ("creator", "CREATEROLE")] {
        let (user, pw) = login_role(&db, suffix, attributes);
        install_as_refused(
            &db,
            (&user, &pw),
            (&schema, &role),
            &[
                &format!("role {schema}_owner and {role} does not exist yet"),
                &format!("the connected role {user} is not one"),
                "run install once as a superuser",
            ],
        );
    }
}

#[test]
fn a_role_that_may_not_create_the_schema_is_refused_and_nothing_changes() {
    // The roles exist (a superuser made them); the schema does not, and the connected role
    // has no CREATE on the database.
    let db = cluster().create_db("no_create_schema");
    let (user, pw) = login_role(&db, "login", "");
    let (schema, role) = (format!("{}_s", db.name()), format!("{}_app", db.name()));
    db.client()
        .batch_execute(&format!(
            "CREATE ROLE {schema}_owner NOLOGIN; CREATE ROLE {role} LOGIN"
        ))
        .expect("create the roles");
    install_as_refused(
        &db,
        (&user, &pw),
        (&schema, &role),
        &[
            &format!("may not create schema {schema}"),
            "CREATE on this database",
        ],
    );
}

// ---- --schema and --role values ----------------------------------------------------------

/// Each value, as --schema and as --role: exit 2 naming the flag, nothing sent to the server.
#[track_caller]
fn names_refused(hint: &str, values: &[&str], mentions: &str) {
    let db = cluster().create_db(hint);
    let log_start = db.cluster().log_len();
    for value in values {
        for flag in ["--schema", "--role"] {
            let run = refused_unchanged(&db, &["install", flag, value], USAGE, &[flag, mentions]);
            assert!(!run.stderr.contains('\0'), "{run}");
        }
    }
    // Refused before connecting: the tool's first statement never reached this database.
    let log = db.cluster().log_since(log_start);
    let tool = log
        .lines()
        .filter(|l| l.contains(&format!("@{} ", db.name())))
        .find(|l| l.contains("standard_conforming_strings"));
    assert!(tool.is_none(), "the tool connected: {tool:?}");
}

#[test]
fn empty_names_are_refused() {
    names_refused("names_empty", &[""], "must not be empty");
}

#[test]
fn too_long_names_are_refused() {
    // 63 bytes is PostgreSQL's limit; --schema leaves room for the "_owner" suffix.
    let db = cluster().create_db("names_long");
    for (flag, value, says) in [
        ("--schema", "s".repeat(58), "58 bytes long; use at most 57"),
        ("--role", "r".repeat(64), "64 bytes long; use at most 63"),
        // Multi-byte characters count in bytes, as PostgreSQL counts them.
        ("--role", "é".repeat(32), "64 bytes long"),
    ] {
        refused_unchanged(&db, &["install", flag, &value], USAGE, &[flag, says]);
    }
}

#[test]
fn reserved_names_are_refused() {
    names_refused(
        "names_pg",
        &["pg_catalog", "pg_temp", "pg_web"],
        "reserved by PostgreSQL",
    );
    names_refused(
        "names_reserved",
        &[
            "public",
            "postgres",
            "information_schema",
            "current_user",
            "none",
        ],
        "is reserved",
    );
}

#[test]
fn names_with_quotes_semicolons_spaces_or_capitals_are_refused() {
    names_refused(
        "names_chars",
        &[
            "we\"b", "we'b", "web;", "we b", " web", "web\n", "Web", "1web", "we-b", "wéb", "web\\",
        ],
        "is not a plain name",
    );
}

#[test]
fn sql_injection_in_names_is_refused_before_anything_is_sent() {
    names_refused(
        "names_injection",
        &[
            "web\"; DROP SCHEMA public CASCADE; --",
            "x'); DROP ROLE postgres; --",
            "web$$; SELECT pg_sleep(10); $$",
            "web/**/OR/**/1=1",
        ],
        "is not a plain name",
    );
}

#[test]
fn the_role_may_not_be_the_owner_role() {
    let db = cluster().create_db("names_owner");
    refused_unchanged(
        &db,
        &["install", "--schema", "web", "--role", "web_owner"],
        USAGE,
        &["--role web_owner is the name of the owner role"],
    );
}

#[test]
fn nul_cannot_reach_the_tool_and_invalid_utf8_is_refused() {
    // execve(2) takes C strings: an argument with a NUL byte cannot even be passed. Rust's
    // Command refuses to spawn it, as any other caller's exec would truncate it at the NUL.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_connect-pg-admin"));
    cmd.args(["install", "--schema", "we\0b"]);
    let err = cmd
        .output()
        .expect_err("an argument with NUL cannot be passed");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");

    // Bytes that are not UTF-8 do arrive; clap refuses them before anything else runs.
    let db = cluster().create_db("names_utf8");
    let before = snapshot(&db);
    let mut cmd = bin();
    cmd.arg("install")
        .arg("--schema")
        .arg(OsStr::from_bytes(b"we\xffb"))
        .arg("--dsn")
        .arg(db.dsn())
        .env("PGPASSWORD", cluster().superuser_password());
    let out = run(cmd);
    assert_eq!(out.code, USAGE, "{out}");
    assert!(
        out.stderr
            .lines()
            .next()
            .unwrap_or_default()
            .contains("invalid UTF-8"),
        "{out}"
    );
    assert_eq!(before, snapshot(&db));
}

// ---- names that belong to someone else ---------------------------------------------------

/// A database where `setup` made objects of someone else's (`{role}` in it stands for the
/// application role), and that role's name, `<db>_app`.
fn prepared(hint: &str, setup: &str) -> (TestDb, String) {
    let db = cluster().create_db(hint);
    let role = format!("{}_app", db.name());
    let setup = setup.replace("{role}", &role);
    db.client()
        .batch_execute(&setup)
        .unwrap_or_else(|e| panic!("{}\n{setup}", crate::support::pg_error(&e)));
    (db, role)
}

#[test]
fn a_schema_holding_another_applications_objects_is_refused() {
    let (db, role) = prepared(
        "foreign_schema",
        "CREATE SCHEMA shop;
         CREATE TABLE shop.orders (id serial PRIMARY KEY, total numeric);
         INSERT INTO shop.orders (total) VALUES (9.99);
         CREATE FUNCTION shop.total() RETURNS numeric LANGUAGE sql AS 'SELECT sum(total) FROM shop.orders';",
    );
    for args in [&["install"][..], &["install", "--dry-run"][..]] {
        let mut args = args.to_vec();
        args.extend(["--schema", "shop", "--role", &role]);
        refused_unchanged(
            &db,
            &args,
            REFUSED,
            &[
                "schema shop already exists and holds objects that are not connect-pg's",
                "function shop.total()",
                "table shop.orders",
                "choose another --schema",
            ],
        );
    }
}

#[test]
fn a_foreign_table_named_session_is_not_taken_for_connect_pgs() {
    // Same name, other columns: another application's session table. Adopting it would
    // retype or drop its columns.
    let (db, role) = prepared(
        "foreign_session",
        "CREATE SCHEMA auth;
         CREATE TABLE auth.session (sess_id text PRIMARY KEY, user_id int NOT NULL, sess_data text);
         INSERT INTO auth.session VALUES ('s1', 42, 'x');",
    );
    refused_unchanged(
        &db,
        &["install", "--schema", "auth", "--role", &role],
        REFUSED,
        &["table auth.session"],
    );
}

#[test]
fn an_empty_or_legacy_connect_pg_schema_is_adopted() {
    // The compatible side of the rule: a schema that is empty, or holds only what connect-pg's
    // correct_web() made (the session table with its columns, index and trigger, and its
    // functions), is the session store's, with or without the tool's marker.
    let (db, role) = prepared(
        "adopt",
        "CREATE SCHEMA empty;
         CREATE SCHEMA legacy;
         CREATE TABLE legacy.session (sess_id text PRIMARY KEY, sess_data text,
                                      expiration timestamptz DEFAULT now() + interval '1 day');
         CREATE INDEX expire_idx ON legacy.session (expiration);
         INSERT INTO legacy.session VALUES ('live', 'data', now() + interval '1 hour');
         CREATE FUNCTION legacy.valid_sessions() RETURNS SETOF legacy.session LANGUAGE sql
             AS 'SELECT * FROM legacy.session WHERE expiration > now() OR expiration IS NULL';
         CREATE FUNCTION legacy.all_session_ids() RETURNS SETOF text LANGUAGE sql
             AS 'SELECT sess_id FROM legacy.session';
         CREATE ROLE {role} LOGIN PASSWORD 'password';
         GRANT USAGE ON SCHEMA legacy TO {role};
         GRANT EXECUTE ON FUNCTION legacy.valid_sessions() TO {role};",
    );
    let run = db.cli(&["install", "--schema", "legacy", "--role", &role]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(
        db.query_strings("SELECT sess_data FROM legacy.session WHERE sess_id = 'live'"),
        ["data"]
    );
    let role2 = format!("{}_app2", db.name());
    let run = db.cli(&["install", "--schema", "empty", "--role", &role2]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(
        db.cli(&["verify", "--schema", "empty", "--role", &role2])
            .code,
        0
    );
}

#[test]
fn a_superuser_role_name_is_refused() {
    let db = cluster().create_db("super_role");
    let (admin, _) = login_role(&db, "admin", "SUPERUSER");
    refused_unchanged(
        &db,
        &["install", "--role", &admin],
        REFUSED,
        &[
            &format!("role {admin} already exists and is a superuser"),
            "choose another --role",
        ],
    );
    // The owner role too: install would demote it to NOLOGIN NOSUPERUSER.
    let schema = format!("{}_s", db.name());
    db.client()
        .batch_execute(&format!("CREATE ROLE {schema}_owner SUPERUSER"))
        .expect("create");
    let role = format!("{}_app", db.name());
    refused_unchanged(
        &db,
        &["install", "--schema", &schema, "--role", &role],
        REFUSED,
        &[
            &format!("role {schema}_owner"),
            "is a superuser",
            "choose another --schema",
        ],
    );
}

#[test]
fn someone_elses_login_is_refused() {
    let db = cluster().create_db("others_login");
    let (bob, _) = login_role(&db, "bob", "");
    let (carol, _) = login_role(&db, "carol", "");
    let (dave, _) = login_role(&db, "dave", "");
    db.client()
        .batch_execute(&format!(
            "CREATE TABLE public.bob_data (x int);
             ALTER TABLE public.bob_data OWNER TO {bob};
             CREATE TABLE public.reports (x int);
             GRANT SELECT ON public.reports TO {carol};
             GRANT pg_monitor TO {dave};"
        ))
        .expect("set up");
    let bob_exists = format!("role {bob} already exists");
    for (role, expected) in [
        (&bob, [bob_exists.as_str(), "owns table public.bob_data"]),
        (
            &carol,
            ["already exists", "holds privileges on table public.reports"],
        ),
        (&dave, ["already exists", "is a member of pg_monitor"]),
    ] {
        refused_unchanged(&db, &["install", "--role", role], REFUSED, &expected);
    }
}

#[test]
fn an_owner_role_name_that_is_someones_login_is_refused() {
    let db = cluster().create_db("owner_taken");
    let schema = format!("{}_s", db.name());
    let role = format!("{}_app", db.name());
    db.client()
        .batch_execute(&format!("CREATE ROLE {schema}_owner LOGIN PASSWORD 'x'"))
        .expect("create");
    refused_unchanged(
        &db,
        &["install", "--schema", &schema, "--role", &role],
        REFUSED,
        &[&format!("role {schema}_owner"), "can log in"],
    );
}

/// Acceptance 1 of issue 6: every row of the bad-input table in docs/security.md names tests
/// that exist, so the table cannot claim a test that CI does not run.
#[test]
fn the_security_table_names_only_tests_that_exist() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc =
        std::fs::read_to_string(format!("{root}/docs/security.md")).expect("docs/security.md");
    let table: Vec<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("## Acceptance 1"))
        .take_while(|l| !l.starts_with("## Acceptance 2"))
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| bad input"))
        .collect();
    assert!(table.len() >= 30, "{} rows", table.len());
    let list = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--list", "--format", "terse"])
        .output()
        .expect("list this binary's tests");
    let listed: std::collections::HashSet<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    for row in table {
        let last = row
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .unwrap_or_default();
        let names: Vec<&str> = last
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|n| n.contains("::"))
            .collect();
        if last.contains("same") && names.is_empty() {
            continue;
        }
        assert!(!names.is_empty(), "row without a test: {row}");
        for name in names {
            let (module, func) = name.rsplit_once("::").expect("module::test");
            match module.split_once("::") {
                // A unit test of the binary: its module's source defines it.
                Some((m, "tests")) => {
                    let file = format!("{root}/src/{m}.rs");
                    let source = std::fs::read_to_string(&file)
                        .unwrap_or_else(|e| panic!("{file}: {e} ({row})"));
                    assert!(
                        source.contains(&format!("fn {func}()")),
                        "{module}::{func} does not exist ({row})"
                    );
                }
                // An integration test: this binary's own list of tests has it (tests made by
                // a macro included).
                _ => assert!(
                    listed.contains(&format!("{name}: test")),
                    "{name} is not a test of this binary ({row})"
                ),
            }
        }
    }
}
