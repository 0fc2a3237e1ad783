//! Self-tests of the harness in `support/`: the clusters start, authenticate with passwords
//! only, speak TLS signed by the test CA, give each test its own database, and take snapshots
//! that change exactly when they should.

use std::time::Instant;

use openssl::ssl::{SslConnector, SslMethod};
use postgres_openssl::MakeTlsConnector;

use crate::support::{
    cluster, cluster_without_pgtap, pg_error, private_cluster, run, Cluster, TestDb,
};

fn one(db: &TestDb, sql: &str) -> String {
    let rows = db.query_strings(sql);
    assert_eq!(rows.len(), 1, "expected one row from {sql}, got {rows:?}");
    rows.into_iter().next().unwrap_or_default()
}

#[test]
fn cluster_starts_with_the_promised_settings() {
    let started = Instant::now();
    let c = cluster();
    eprintln!("cluster ready after {:?}", started.elapsed());
    assert_ne!(
        c.port(),
        5432,
        "must never use the machine's own PostgreSQL"
    );
    let db = c.create_db("settings");
    let version: u32 = one(&db, "show server_version_num")
        .parse()
        .expect("server_version_num is a number");
    assert_eq!(version / 10000, c.major());
    assert_eq!(one(&db, "show listen_addresses"), "127.0.0.1");
    assert_eq!(one(&db, "show port"), c.port().to_string());
    assert_eq!(one(&db, "show password_encryption"), "scram-sha-256");
    assert_eq!(one(&db, "show max_connections"), "200");
    assert_eq!(one(&db, "show ssl"), "on");
    assert_eq!(one(&db, "show log_statement"), "all");
    assert_eq!(one(&db, "show fsync"), "off");
    assert_eq!(one(&db, "select current_database()"), db.name());
    assert_eq!(
        one(&db, "show unix_socket_directories"),
        c.socket_dir().display().to_string()
    );
    let hba = db.query_strings(
        "select format('%s %s %s %s', type, database, user_name, auth_method)
         from pg_hba_file_rules order by line_number",
    );
    assert_eq!(
        hba,
        [
            "local {all} {all} scram-sha-256",
            "hostssl {all} {all} scram-sha-256",
            "hostnossl {all} {all} scram-sha-256"
        ]
    );
    assert!(
        db.dsn().ends_with("sslmode=disable") && !db.dsn().contains("password"),
        "{}",
        db.dsn()
    );
}

#[test]
fn statements_are_logged_to_the_readable_log() {
    let db = cluster().create_db("log");
    let before = cluster().log_len();
    db.query_strings("select 'harness-log-marker-1f3a'");
    let log = cluster().log_since(before);
    assert!(
        log.contains("harness-log-marker-1f3a"),
        "statement not in the log:\n{log}"
    );
    assert!(cluster().log_contents().contains("harness-log-marker-1f3a"));
}

#[test]
fn password_authentication_is_required() {
    let db = cluster().create_db("auth");
    let Err(err) = db.client_as("postgres", "not-the-password") else {
        panic!("a wrong password must be refused");
    };
    assert!(
        pg_error(&err).contains("password authentication failed"),
        "{}",
        pg_error(&err)
    );
    // A role without a password cannot log in at all.
    let role = db.name().to_string();
    let _global = cluster().global_lock();
    db.client()
        .batch_execute(&format!("create role {role} login"))
        .expect("create role");
    assert!(db.client_as(&role, "").is_err());
    assert!(db.client_as(&role, "anything").is_err());
    db.client()
        .batch_execute(&format!("alter role {role} password 'pw-{role}'"))
        .expect("set password");
    let mut client = db
        .client_as(&role, &format!("pw-{role}"))
        .expect("the right password is accepted");
    let method = client
        .query_one("select current_user::text", &[])
        .expect("query as the new role")
        .get::<_, String>(0);
    assert_eq!(method, role);
    drop(client);
    db.client()
        .batch_execute(&format!("drop role {role}"))
        .expect("drop role");
}

#[test]
fn unix_socket_accepts_password_logins() {
    let c = cluster();
    let mut config = postgres::Config::new();
    config
        .host_path(c.socket_dir())
        .port(c.port())
        .user("postgres")
        .password(c.superuser_password())
        .dbname("postgres");
    let mut client = config
        .connect(postgres::NoTls)
        .expect("connect over the unix socket");
    let addr: Option<String> = client
        .query_one("select inet_client_addr()::text", &[])
        .expect("query")
        .get(0);
    assert_eq!(addr, None, "connected over TCP, not the socket");
    config.password("wrong");
    assert!(config.connect(postgres::NoTls).is_err());
}

fn tls_config(c: &Cluster, ca: &std::path::Path) -> (postgres::Config, MakeTlsConnector) {
    let mut builder = SslConnector::builder(SslMethod::tls()).expect("openssl connector");
    builder.set_ca_file(ca).expect("load the CA file");
    let mut config = c.config("postgres", "postgres", c.superuser_password());
    config.ssl_mode(postgres::config::SslMode::Require);
    (config, MakeTlsConnector::new(builder.build()))
}

#[test]
fn tls_verifies_against_the_test_ca() {
    let c = cluster();
    let (config, tls) = tls_config(c, c.ca_cert());
    let mut client = config
        .connect(tls)
        .expect("TLS with verification against ca_cert");
    let ssl: bool = client
        .query_one(
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            &[],
        )
        .expect("query pg_stat_ssl")
        .get(0);
    assert!(ssl);
}

#[test]
fn tls_rejects_the_other_ca() {
    let c = cluster();
    let (config, tls) = tls_config(c, c.other_ca_cert());
    let Err(err) = config.connect(tls) else {
        panic!("the server certificate must not verify against the other CA");
    };
    let text = format!("{err:?}");
    assert!(text.contains("certificate verify failed"), "{text}");
}

#[test]
fn parallel_create_db_gives_distinct_databases() {
    let threads: Vec<_> = (0..6)
        .map(|_| {
            std::thread::spawn(|| {
                let db = cluster().create_db("parallel");
                let current = one(&db, "select current_database()");
                assert_eq!(current, db.name());
                db
            })
        })
        .collect();
    let dbs: Vec<TestDb> = threads
        .into_iter()
        .map(|t| t.join().expect("create_db thread panicked"))
        .collect();
    let mut names: Vec<&str> = dbs.iter().map(TestDb::name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), dbs.len(), "duplicate names: {names:?}");
}

fn db_exists(name: &str) -> bool {
    let mut admin = cluster().admin("postgres");
    admin
        .query_one(
            "select exists (select from pg_database where datname = $1)",
            &[&name],
        )
        .expect("query pg_database")
        .get(0)
}

#[test]
fn database_is_dropped_on_success_and_kept_on_panic() {
    let db = cluster().create_db("Dropped On Success!");
    let name = db.name().to_string();
    assert!(name.starts_with("t_dropped_on_success_"), "{name}");
    assert!(db_exists(&name));
    drop(db);
    assert!(!db_exists(&name), "{name} was not dropped");

    let kept = std::panic::catch_unwind(|| {
        let db = cluster().create_db("kept");
        let name = db.name().to_string();
        std::panic::panic_any(name);
    });
    let payload = kept.expect_err("the closure panics");
    let name = payload
        .downcast_ref::<String>()
        .expect("the payload is the database name")
        .clone();
    assert!(
        db_exists(&name),
        "{name} was dropped although the test failed"
    );
    cluster()
        .admin("postgres")
        .batch_execute(&format!("drop database \"{name}\""))
        .expect("clean up the kept database");
}

#[test]
fn snapshot_is_stable_and_sees_changes() {
    let db = cluster().create_db("snapshot");
    let role = format!("{}_app", db.name());
    // Roles are cluster-wide: keep other role-changing tests out while comparing.
    let _global = cluster().global_lock();
    db.client()
        .batch_execute(&format!(
            "create role {role} login password 'secret-{role}';
             create schema web;
             create table web.session (sess_id text primary key, sess_data text,
                                       expiration timestamptz default now() + interval '1 day');
             create function web.count_sessions() returns integer language sql security definer
               set search_path = web, pg_temp as 'select count(*)::int from web.session';
             insert into web.session values ('a', 'x', null);"
        ))
        .expect("set up");

    let s0 = db.snapshot();
    for needle in [
        "web.session kind=r",
        "web.session.sess_id #1 text",
        "session_pkey",
        "web.count_sessions() returns integer",
        "security_definer=t",
        "config='{\"search_path=web, pg_temp\"}'",
        &format!("{role} {{"),
        "password=set",
        "web.session 1",
        "web.session md5=",
    ] {
        assert!(s0.contains(needle), "snapshot lacks {needle:?}:\n{s0}");
    }
    assert!(
        !s0.contains("SCRAM-SHA-256$"),
        "the snapshot shows a password hash"
    );

    // Read-only activity leaves it unchanged.
    db.query_strings("select * from web.session; select web.count_sessions()");
    let mut app = db
        .client_as(&role, &format!("secret-{role}"))
        .expect("log in as the role");
    app.simple_query("select 1").expect("query as the role");
    drop(app);
    assert_eq!(db.snapshot(), s0, "read-only activity changed the snapshot");

    let changes = [
        (
            "create index",
            "create index expire_idx on web.session (expiration)",
        ),
        ("grant", &*format!("grant select on web.session to {role}")),
        ("alter role", &*format!("alter role {role} createdb")),
        ("create extension", "create extension pgtap"),
        ("insert", "insert into web.session values ('b', 'y', null)"),
        (
            "update",
            "update web.session set sess_data = 'z' where sess_id = 'a'",
        ),
        (
            "alter function",
            "alter function web.count_sessions() security invoker",
        ),
        (
            "revoke execute",
            "revoke execute on all functions in schema web from public",
        ),
        ("comment", "comment on schema web is 'sessions'"),
        ("membership", &*format!("grant pg_monitor to {role}")),
        (
            "password removed",
            &*format!("alter role {role} password null"),
        ),
        (
            "database acl",
            &*format!("grant create on database {} to {role}", db.name()),
        ),
        (
            "default acl",
            &*format!("alter default privileges in schema web grant select on tables to {role}"),
        ),
    ];
    let mut before = s0;
    for (what, sql) in changes {
        db.client()
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{what}: {}", pg_error(&e)));
        let after = db.snapshot();
        assert_ne!(after, before, "the snapshot missed: {what} ({sql})");
        before = after;
    }
    assert!(before.contains("pgtap schema=public"));
    assert!(before.contains("extension=pgtap body_md5="));

    db.client()
        .batch_execute(&format!(
            "drop owned by {role}; revoke pg_monitor from {role}; drop role {role}"
        ))
        .expect("clean up the role");
}

#[test]
fn pgtap_is_available_only_in_the_main_cluster() {
    let count = "select count(*) from pg_available_extensions where name = 'pgtap'";
    let main = cluster().create_db("pgtap_main");
    assert_eq!(one(&main, count), "1");
    let bare = cluster_without_pgtap().create_db("pgtap_none");
    assert_eq!(one(&bare, count), "0");
    // Everything else is still there: plpgsql and the contrib extensions.
    assert_eq!(
        one(
            &bare,
            "select count(*) from pg_available_extensions where name = 'plpgsql'"
        ),
        "1"
    );
    let err = bare
        .client()
        .batch_execute("create extension pgtap")
        .expect_err("pgtap cannot be installed there");
    assert!(pg_error(&err).contains("pgtap"), "{}", pg_error(&err));
    assert_ne!(cluster().port(), cluster_without_pgtap().port());
    assert_eq!(cluster().major(), cluster_without_pgtap().major());
}

#[test]
fn restart_keeps_data_and_breaks_connections() {
    let c = private_cluster();
    assert_ne!(c.port(), cluster().port());
    let db = c.create_db("restart");
    db.client()
        .batch_execute("create table t (x int); insert into t values (42)")
        .expect("set up");
    let mut old = db.client();
    c.restart();
    assert!(
        old.simple_query("select 1").is_err(),
        "a connection survived the restart"
    );
    assert_eq!(db.query_strings("select x from t"), ["42"]);
}

#[test]
fn cli_command_passes_dsn_and_password_through_the_environment() {
    let db = cluster().create_db("cli_env");
    let cmd = db.cli_command(&["verify"], &[("PGSSLMODE", "require")]);
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(args, ["verify", "--dsn", &db.dsn()]);
    assert!(!args
        .iter()
        .any(|a| a.contains(cluster().superuser_password())));
    let envs: Vec<(String, Option<String>)> = cmd
        .get_envs()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.map(|v| v.to_string_lossy().into_owned()),
            )
        })
        .collect();
    let get = |key: &str| {
        envs.iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.clone())
    };
    assert_eq!(
        get("PGPASSWORD").as_deref(),
        Some(cluster().superuser_password())
    );
    assert_eq!(get("NO_COLOR").as_deref(), Some("1"));
    assert_eq!(get("PGSSLMODE").as_deref(), Some("require"));

    // The shape of a run, with a stand-in program: stdin bytes arrive, the display shows
    // everything but the password.
    let mut cat = std::process::Command::new("sh");
    cat.args(["-c", "cat; echo oops >&2; exit 3"])
        .env("PGPASSWORD", "hunter2");
    let r = crate::support::run_with_stdin(cat, Some(b"from stdin\n"));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (3, "from stdin\n", "oops\n")
    );
    let shown = r.to_string();
    assert!(
        shown.contains("exit code: 3") && shown.contains("from stdin") && shown.contains("oops")
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    let killed = run({
        let mut c = std::process::Command::new("sh");
        c.args(["-c", "kill -9 $$"]);
        c
    });
    assert_eq!(killed.code, 128 + 9, "{killed}");
}

#[test]
fn standby_streams_from_its_primary_and_refuses_writes() {
    let pair = crate::support::standby();
    let standby = pair.server();
    assert_ne!(standby.port(), pair.primary().port());
    assert_eq!(standby.major(), pair.primary().major());
    let db = pair.primary().create_db("standby_streams");
    db.query_strings(
        "create table replicated(n int); insert into replicated values (42); \
         select pg_catalog.pg_switch_wal()",
    );
    pair.catch_up();
    assert_eq!(pair.query_strings(&db, "select n from replicated"), ["42"]);
    assert_eq!(
        pair.query_strings(&db, "select pg_catalog.pg_is_in_recovery()"),
        ["t"]
    );
    assert_eq!(
        pair.query_strings(&db, "show transaction_read_only"),
        ["on"]
    );
    // The same authentication as every harness cluster: scram, and TLS signed by the test CA.
    let hba = pair.query_strings(
        &db,
        "select pg_catalog.format('%s %s', type, auth_method) from pg_catalog.pg_hba_file_rules \
         where database OPERATOR(pg_catalog.=) '{all}' order by line_number",
    );
    assert_eq!(
        hba,
        [
            "local scram-sha-256",
            "hostssl scram-sha-256",
            "hostnossl scram-sha-256"
        ]
    );
    let err = standby
        .admin(db.name())
        .batch_execute("create table t(n int)")
        .expect_err("a standby accepts no writes");
    assert_eq!(
        err.code().map(|c| c.code()),
        Some("25006"),
        "{}",
        pg_error(&err)
    );
    // Streaming, through the slot, not restored from an archive.
    let senders = pair.primary().admin("postgres").query_one(
        "select count(*) from pg_catalog.pg_stat_replication where state = 'streaming'",
        &[],
    );
    assert_eq!(senders.map(|r| r.get::<_, i64>(0)).ok(), Some(1));
    eprintln!("standby made by {}", pair.method());
}
