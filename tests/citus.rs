//! The session store on Citus (issue 16), on a real coordinator and two workers
//! (support/citus.rs; always PostgreSQL 15, the one major Citus is built for here, whatever
//! CPA_PG_BIN says, and a loud failure when Citus is missing). Install makes the distributed
//! store, verify passes, the hot calls are pushed down to one worker each and spread over
//! both, a single-node store with sessions is converted only when asked and keeps every one,
//! drift of the distribution is found and repaired, connect-pg 1.1.5 works through the
//! coordinator, and the application role gets nothing more on any node.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::citus::{self, citus};
use crate::support::{failing_checks, Cluster, Run, Store, CITUS_MAJOR};

/// A store of the test's own names in a fresh Citus database.
fn store(hint: &str) -> Store {
    Store::of(citus().create_db(hint))
}

/// The application role's password, given through `Store::with_password`, also in
/// pg_dist_authinfo: the coordinator pushes set/get/destroy down to the workers as the
/// calling role, so it must log in there too (the operator's part, docs/scale-out.md).
fn with_app_login(store: Store) -> Store {
    let store = store.with_password();
    let pw = store.password.clone().unwrap_or_default();
    store.sql(&format!(
        "INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, '{{role}}', 'password={pw}')"
    ));
    store
}

/// Rows of the session table per worker port, counted on the shards themselves.
fn rows_per_worker(store: &Store) -> Vec<(u16, i64)> {
    let rows = store.db.client().query(
        store.render(
            "SELECT nodeport, sum(result::bigint)::bigint FROM run_command_on_placements('{schema}.session', 'select count(*) from %s') GROUP BY nodeport ORDER BY nodeport",
        ).as_str(),
        &[],
    ).expect("count rows on the placements");
    rows.iter()
        .map(|r| (r.get::<_, i32>(0) as u16, r.get::<_, i64>(1)))
        .collect()
}

/// count_sessions() as the application role.
fn count(store: &Store, app: &mut postgres::Client) -> i32 {
    app.query_one(&store.render("SELECT {schema}.count_sessions()"), &[])
        .expect("count_sessions as the app")
        .get(0)
}

/// get_session_data(`id`) as the application role.
fn get(store: &Store, app: &mut postgres::Client, id: &str) -> Vec<String> {
    app.query(
        &store.render("SELECT {schema}.get_session_data($1)"),
        &[&id],
    )
    .expect("get_session_data as the app")
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// Every one of `steps` is among the steps the install run applied.
#[track_caller]
fn assert_applied(run: &Run, steps: &[&str]) {
    for step in steps {
        assert!(
            run.stdout.contains(&format!("applied {step} ")),
            "{step}\n{run}"
        );
    }
}

/// The distribution as the catalogs say it: the table's method and column, then each
/// function of the schema with its distribution argument and whether it is colocated.
fn distribution(store: &Store) -> Vec<String> {
    store.db.query_strings(&store.render(
        "SELECT 'table ' || partmethod::text || ' ' || column_to_column_name(logicalrelid, partkey)
           FROM pg_dist_partition WHERE logicalrelid = '{schema}.session'::regclass
         UNION ALL
         (SELECT o.objid::regprocedure::text || ' arg=' || coalesce(o.distribution_argument_index::text, '-')
                 || ' colocated=' || (o.colocationid IS NOT DISTINCT FROM p.colocationid)
            FROM pg_dist_object o, pg_dist_partition p
           WHERE o.classid = 'pg_proc'::regclass
             AND p.logicalrelid = '{schema}.session'::regclass
             AND o.objid IN (SELECT oid FROM pg_proc WHERE pronamespace = '{schema}'::regnamespace)
           ORDER BY 1)",
    ))
}

fn assert_distributed(store: &Store) {
    let s = &store.schema;
    assert_eq!(
        distribution(store),
        [
            "table h sess_id".to_string(),
            format!("{s}.clear_sessions() arg=- colocated=false"),
            format!("{s}.count_sessions() arg=- colocated=false"),
            format!("{s}.destroy_session(text) arg=0 colocated=true"),
            format!("{s}.get_session_data(text) arg=0 colocated=true"),
            format!(
                "{s}.set_session_data(text,text,timestamp with time zone) arg=0 colocated=true"
            ),
        ]
    );
}

#[test]
fn fresh_install_makes_the_distributed_store_and_a_second_install_changes_nothing() {
    // Its snapshots list the roles (see the conversion test).
    let _roles = citus().coordinator.global_lock();
    let store = store("citus_fresh");
    let version = store.db.query_strings("SHOW server_version_num");
    assert!(
        version[0].starts_with(&CITUS_MAJOR.to_string()),
        "{version:?}"
    );
    let first = store.cli(&["install"]);
    first.assert_code(0);
    assert_applied(
        &first,
        &["citus.role.owner", "citus.table", "citus.functions"],
    );
    assert_distributed(&store);
    let triggers = store.db.query_strings(&store.render(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = '{schema}.session'::regclass AND NOT tgisinternal",
    ));
    assert_eq!(triggers, ["0"]);
    store.cli(&["verify"]).assert_code(0);

    let before = (store.db.snapshot(), distribution(&store));
    let second = store.cli(&["install"]);
    second.assert_code(0);
    assert!(second.stdout.starts_with("Nothing to do: all "), "{second}");
    assert_eq!((store.db.snapshot(), distribution(&store)), before);

    let status = store.cli(&["status"]);
    status.assert_code(0);
    let line = status
        .stdout
        .lines()
        .find(|l| l.starts_with("citus"))
        .unwrap_or_else(|| panic!("no citus line\n{status}"));
    let c = citus();
    for w in c.workers {
        assert!(line.contains(&format!("127.0.0.1:{}", w.port())), "{line}");
    }
    assert!(line.contains("coordinator + 2 worker(s)"), "{line}");
    assert!(line.contains("32 shards of the session table"), "{line}");
    let json = store.cli(&["--format", "json", "status"]);
    json.assert_code(0);
    let doc: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(doc["status"]["citus"]["shards"], 32, "{doc}");
    assert_eq!(
        doc["status"]["citus"]["workers"].as_array().map(Vec::len),
        Some(2),
        "{doc}"
    );
}

#[test]
fn a_thousand_sessions_land_on_both_workers_one_worker_per_call() {
    let store = with_app_login(store("citus_spread").installed());
    let (mut app, _) = store.app();
    let set = app
        .prepare(&store.render(
            "SELECT {schema}.set_session_data($1, 'data of ' || $1, now() + interval '1 hour')",
        ))
        .expect("prepare");
    for i in 0..1000 {
        app.execute(&set, &[&format!("sess-{i}")])
            .expect("set_session_data as the app");
    }
    let per_worker = rows_per_worker(&store);
    let ports: Vec<u16> = citus().workers.iter().map(|w| w.port()).collect();
    let mut seen: Vec<u16> = per_worker.iter().map(|(p, _)| *p).collect();
    seen.sort();
    let mut want = ports.clone();
    want.sort();
    assert_eq!(seen, want, "{per_worker:?}");
    assert!(per_worker.iter().all(|(_, n)| *n > 200), "{per_worker:?}");
    assert_eq!(per_worker.iter().map(|(_, n)| n).sum::<i64>(), 1000);

    assert_eq!(count(&store, &mut app), 1000);
    assert_eq!(get(&store, &mut app, "sess-7"), ["data of sess-7"]);

    // Written already expired: not returned, not counted, and gone after the write.
    app.batch_execute(
        &store
            .render("SELECT {schema}.set_session_data('sess-7', 'x', now() - interval '1 second')"),
    )
    .expect("set expired");
    assert!(get(&store, &mut app, "sess-7").is_empty());
    assert_eq!(count(&store, &mut app), 999);
    assert_eq!(
        store.db.query_strings(
            &store.render("SELECT count(*) FROM {schema}.session WHERE sess_id = 'sess-7'")
        ),
        ["0"]
    );
    app.batch_execute(&store.render("SELECT {schema}.destroy_session('sess-8')"))
        .expect("destroy");
    assert_eq!(count(&store, &mut app), 998);

    // Expired behind the store's back (time passing): never counted nor returned at once,
    // and the sweep deletes exactly those rows.
    store.sql("UPDATE {schema}.session SET expiration = now() - interval '1 minute' WHERE sess_id LIKE 'sess-1__'");
    assert_eq!(count(&store, &mut app), 898);
    assert!(get(&store, &mut app, "sess-150").is_empty());
    store
        .cli(&["sweep"])
        .assert_code(0)
        .assert_stdout_has("Swept 100 expired session(s)");
    assert_eq!(
        store
            .db
            .query_strings(&store.render("SELECT count(*) FROM {schema}.session")),
        ["898"]
    );

    // One worker per call: Citus logs each remote command it sends as a notice.
    let notices = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = notices.clone();
    let mut admin = store
        .db
        .cluster()
        .config(
            store.db.name(),
            "postgres",
            store.db.cluster().superuser_password(),
        )
        .notice_callback(move |n| sink.lock().unwrap().push(n.message().to_string()))
        .connect(postgres::NoTls)
        .expect("connect");
    admin
        .batch_execute("SET citus.log_remote_commands = on")
        .expect("log remote commands");
    for call in [
        "SELECT * FROM {schema}.get_session_data('sess-3')",
        "SELECT {schema}.set_session_data('sess-3', 'y', now() + interval '1 hour')",
        "SELECT {schema}.destroy_session('sess-3')",
    ] {
        notices.lock().unwrap().clear();
        admin.batch_execute(&store.render(call)).expect("call");
        let sent: Vec<String> = notices
            .lock()
            .unwrap()
            .iter()
            .filter(|n| n.starts_with("issuing"))
            .cloned()
            .collect();
        assert_eq!(sent.len(), 1, "{call}: {sent:?}");
    }
}

/// The lines of `b` not in `a` (+) and of `a` not in `b` (-).
fn diff_lines(a: &str, b: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let gone = a
        .iter()
        .filter(|l| !b.contains(l))
        .map(|l| format!("- {l}"));
    let new = b
        .iter()
        .filter(|l| !a.contains(l))
        .map(|l| format!("+ {l}"));
    gone.chain(new).collect()
}

#[test]
fn converting_a_single_node_store_needs_distribute_and_keeps_100k_sessions() {
    let c = citus();
    // Its snapshots list the roles; the one test that changes a shared role (nodepg) waits.
    let _roles = c.coordinator.global_lock();
    let store = Store::of(c.create_db_without_citus("citus_convert")).installed();
    store.sql(
        "INSERT INTO {schema}.session SELECT 'k-' || g, md5(g::text), now() + interval '1 day' FROM generate_series(1, 100000) g",
    );
    let fingerprint = "SELECT count(*) || ' ' || md5(string_agg(sess_id || sess_data || expiration, ',' ORDER BY sess_id)) FROM {schema}.session";
    let rows_before = store.db.query_strings(&store.render(fingerprint));
    c.enable(&store.db);

    let snapshot = store.db.snapshot();
    let refused = store.cli(&["install"]);
    refused.assert_code(4);
    let line = refused.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{refused}");
    for part in [
        "100000 session(s)",
        "--distribute",
        "locks the table",
        "about 2.5 s",
        "nothing was changed",
    ] {
        assert!(line.contains(part), "{part}: {refused}");
    }
    let after = store.db.snapshot();
    let changed: Vec<String> = diff_lines(&snapshot, &after);
    assert!(
        changed.is_empty(),
        "the refused install changed something:\n{}",
        changed.join("\n")
    );
    assert!(distribution(&store).is_empty());

    // A reader polls one session while the conversion runs: the longest it waited is how
    // long the store was locked.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        let mut client = store.db.client();
        let sql = store.render("SELECT sess_data FROM {schema}.session WHERE sess_id = 'k-1'");
        std::thread::spawn(move || {
            let mut longest = Duration::ZERO;
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                client.query(sql.as_str(), &[]).expect("reader");
                longest = longest.max(t.elapsed());
                std::thread::sleep(Duration::from_millis(5));
            }
            longest
        })
    };
    let started = Instant::now();
    let converted = store.cli(&["install", "--distribute"]);
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let longest_wait = reader.join().expect("reader thread");
    converted.assert_code(0);
    eprintln!(
        "[citus] converting 100000 sessions: install --distribute took {took:?}, a reader waited at most {longest_wait:?}"
    );
    assert_applied(&converted, &["citus.trigger", "citus.table"]);

    assert_distributed(&store);
    assert_eq!(
        store.db.query_strings(&store.render(fingerprint)),
        rows_before
    );
    let per_worker = rows_per_worker(&store);
    assert_eq!(per_worker.len(), 2, "{per_worker:?}");
    assert_eq!(per_worker.iter().map(|(_, n)| n).sum::<i64>(), 100000);
    // The coordinator's local copy was truncated, not left behind on disk.
    let local = store
        .db
        .query_strings(&store.render("SELECT pg_relation_size('{schema}.session')"));
    assert_eq!(local, ["0"]);
    store.cli(&["verify"]).assert_code(0);
}

#[test]
fn drift_in_the_distribution_fails_verify_and_install_repairs_it() {
    let store = with_app_login(store("citus_drift").installed());
    store.sql(
        "UPDATE pg_dist_object SET distribution_argument_index = NULL, colocationid = NULL
          WHERE classid = 'pg_proc'::regclass AND objid = '{schema}.get_session_data(text)'::regprocedure",
    );
    let verify = store.cli(&["verify"]);
    verify.assert_code(1);
    assert_eq!(failing_checks(&verify), ["citus.function.get_session_data"]);

    // The owner can no longer reach the workers: count and clear fail for the application.
    store.sql("ALTER ROLE {owner} NOLOGIN");
    let (mut app, _) = store.app();
    let err = app
        .batch_execute(&store.render("SELECT {schema}.count_sessions()"))
        .expect_err("count_sessions without the owner's login");
    assert!(
        crate::support::pg_error(&err).contains("not permitted to log in"),
        "{}",
        crate::support::pg_error(&err)
    );
    let verify = store.cli(&["verify"]);
    assert_eq!(
        failing_checks(&verify),
        ["citus.function.get_session_data", "citus.role.owner"]
    );

    let repaired = store.cli(&["install"]);
    repaired.assert_code(0);
    assert_applied(&repaired, &["citus.functions", "citus.role.owner"]);
    assert_distributed(&store);
    store.cli(&["verify"]).assert_code(0);
    assert_eq!(
        count(&store, &mut app),
        0,
        "count_sessions after the repair"
    );
}

#[test]
fn a_store_that_should_be_distributed_but_is_not_is_reported_and_repaired() {
    let store = store("citus_undistributed").installed();
    store.sql("SELECT undistribute_table('{schema}.session')");
    let verify = store.cli(&["verify"]);
    verify.assert_code(1);
    // The functions lose their colocation with the table.
    assert_eq!(
        failing_checks(&verify),
        [
            "citus.function.destroy_session",
            "citus.function.get_session_data",
            "citus.function.set_session_data",
            "citus.table"
        ]
    );
    store.cli(&["install"]).assert_code(0);
    assert_distributed(&store);
    store.cli(&["verify"]).assert_code(0);
}

#[test]
fn the_application_role_gets_nothing_more_on_any_node() {
    let store = store("citus_hostile");
    let install = store.cli(&["install"]);
    install.assert_code(0);
    let store = with_app_login(store);
    let (mut app, _) = store.app();
    app.batch_execute(
        &store
            .render("SELECT {schema}.set_session_data('h-1', 'secret', now() + interval '1 hour')"),
    )
    .expect("set");

    let denied = |client: &mut postgres::Client, sql: &str| {
        let e = client
            .batch_execute(sql)
            .expect_err(&format!("the application role ran: {sql}"));
        let msg = crate::support::pg_error(&e);
        assert!(msg.contains("permission denied"), "{sql}: {msg}");
    };
    denied(&mut app, &store.render("SELECT * FROM {schema}.session"));
    denied(&mut app, "SELECT * FROM pg_dist_authinfo");

    // On each worker, straight to the table and to its shards.
    let shards = store.db.query_strings(&store.render(
        "SELECT shard_name('{schema}.session', shardid) FROM pg_dist_shard WHERE logicalrelid = '{schema}.session'::regclass",
    ));
    assert_eq!(shards.len(), 32);
    let pw = store.password.clone().unwrap_or_default();
    for w in citus().workers {
        let mut on_worker = w
            .config(store.db.name(), &store.role, &pw)
            .connect(postgres::NoTls)
            .expect("the application role logs in to the worker");
        denied(
            &mut on_worker,
            &store.render("SELECT * FROM {schema}.session"),
        );
        let local = citus::query_on(
            w,
            store.db.name(),
            &store.render(
                "SET citus.override_table_visibility = off;
                 SELECT c.relname FROM pg_class c WHERE c.relnamespace = '{schema}'::regnamespace AND c.relkind = 'r' AND c.relname <> 'session'",
            ),
        );
        assert!(!local.is_empty(), "no shards on worker {}", w.port());
        for shard in local {
            denied(
                &mut on_worker,
                &format!("SELECT * FROM \"{}\".\"{shard}\"", store.schema),
            );
        }
    }

    // The owner's password (from pg_dist_authinfo) is printed nowhere and logged nowhere.
    let secret =
        store.db.query_strings(&store.render(
            "SELECT substr(authinfo, 10) FROM pg_dist_authinfo WHERE rolename = '{owner}'",
        ));
    assert_eq!(secret.len(), 1);
    assert!(secret[0].len() >= 64, "{secret:?}");
    assert!(!install.stdout.contains(&secret[0]) && !install.stderr.contains(&secret[0]));
    let c = citus();
    for node in [c.coordinator, c.workers[0], c.workers[1]] {
        assert!(
            !node.log_contents().contains(&secret[0]),
            "the owner's password is in the log of port {}",
            node.port()
        );
    }

    // A worker is no place to install: the store lives on the coordinator.
    let run = citus::cli_on(c.workers[0], store.db.name(), &store.args(&["install"]));
    run.assert_code(4);
    assert!(run.stderr.contains("connect to the coordinator"), "{run}");
}

#[test]
fn connect_pg_1_1_5_works_through_the_coordinator() {
    crate::e2e_connect_pg::npm_ci();
    // It changes the shared role nodepg, which other tests' snapshots show.
    let _roles = citus().coordinator.global_lock();
    let db = citus().create_db("e2e_citus");
    let password = "e2e citus pässword";
    crate::e2e_connect_pg::install_with_password(&db, password);
    db.client()
        .batch_execute(&format!(
            "INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, 'nodepg', 'password=''{password}''')"
        ))
        .expect("authinfo for nodepg");
    crate::e2e_connect_pg::assert_driver_works(&db, password);
    assert_eq!(
        db.query_strings(
            "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = 'web.session'::regclass"
        ),
        ["1"]
    );
}

#[test]
fn roles_made_by_an_install_into_another_database_reach_the_workers() {
    let c = citus();
    // A single-node store in another database of the coordinator's server creates the
    // roles there, where Citus does not see them.
    let plain = c.coordinator.create_db("citus_roles_plain");
    let store = Store::of(c.create_db("citus_roles"));
    let args = store.args(&["install"]);
    let mut cmd = crate::support::bin();
    cmd.args(&args)
        .arg("--dsn")
        .arg(plain.dsn())
        .env("PGPASSWORD", c.coordinator.superuser_password());
    crate::support::run(cmd).assert_code(0);
    let on_workers = |role: &str| -> Vec<String> {
        c.workers
            .iter()
            .flat_map(|w| {
                citus::query_on(
                    w,
                    "postgres",
                    &format!("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = '{role}'"),
                )
            })
            .collect()
    };
    assert!(
        on_workers(&store.owner).is_empty(),
        "the premise: the workers lack the roles"
    );
    // The application role got its password there too (set-password into that database).
    plain
        .client()
        .batch_execute(&format!(
            "ALTER ROLE {} PASSWORD 'elsewhere-pw'",
            store.role
        ))
        .unwrap();
    let verifier = store.db.query_strings(&format!(
        "SELECT rolpassword FROM pg_authid WHERE rolname = '{}'",
        store.role
    ))[0]
        .clone();
    assert!(verifier.starts_with("SCRAM-SHA-256$"), "{verifier}");
    let offsets: Vec<usize> = c.workers.iter().map(|w| w.log_len()).collect();

    let store = store.installed();
    // The verifier reaches the workers (Citus propagates the role with it, within install's
    // transaction) but none of their logs (sql/tool/citus_roles.sql sends no password;
    // no_role_verifier_reaches_a_workers_log has the control).
    for (w, offset) in c.workers.iter().zip(offsets) {
        assert!(
            !w.log_since(offset).contains(&verifier),
            "the application role's verifier is in the log of worker {}",
            w.port()
        );
        assert_eq!(
            citus::query_on(
                w,
                "postgres",
                &format!(
                    "SELECT (rolpassword = '{verifier}')::text FROM pg_authid WHERE rolname = '{}'",
                    store.role
                )
            ),
            ["true"],
            "the verifier on worker {}",
            w.port()
        );
    }
    let store = with_app_login(store);
    assert_eq!(on_workers(&store.role), ["true", "true"]);
    assert_eq!(on_workers(&store.owner), ["true", "true"]);
    store.cli(&["verify"]).assert_code(0);
    let (mut app, _) = store.app();
    app.batch_execute(
        &store.render("SELECT {schema}.set_session_data('r-1', 'x', now() + interval '1 hour')"),
    )
    .expect("set through the coordinator");
    assert_eq!(count(&store, &mut app), 1);
}

#[test]
fn uninstall_removes_the_distributed_store_on_every_node() {
    let store = store("citus_uninstall").installed();
    store.cli(&["uninstall", "--yes"]).assert_code(0);
    let c = citus();
    for node in [c.coordinator, c.workers[0], c.workers[1]] {
        let left = citus::query_on(
            node,
            store.db.name(),
            &store.render(
                "SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'
                 UNION ALL SELECT count(*) FROM pg_roles WHERE rolname IN ('{role}', '{owner}')",
            ),
        );
        assert_eq!(left, ["0", "0"], "left on port {}", node.port());
    }
    assert_eq!(
        store.db.query_strings(
            &store.render("SELECT count(*) FROM pg_dist_authinfo WHERE rolename = '{owner}'")
        ),
        ["0"]
    );
}

/// Citus passes a role's SCRAM verifier to the workers in the text of the commands it
/// propagates, which a worker that logs statements writes to its log: the control shows it for
/// a password set by hand. install opens every worker's part of its transaction with logging
/// off (sql/tool/citus_quiet_workers.sql): the owner's verifier, which citus.role.owner sets
/// and Citus propagates, reaches the workers but none of their logs, while the coordinator
/// still logs install's statements as configured.
#[test]
fn no_role_verifier_reaches_a_workers_log() {
    let c = citus();
    let store = store("quiet_verifier");
    let verifier = |role: &str| -> String {
        store.db.query_strings(&format!(
            "SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = '{role}'"
        ))[0]
            .clone()
    };
    let logs_since = |offsets: &[usize]| -> Vec<String> {
        c.workers
            .iter()
            .zip(offsets)
            .map(|(w, o)| w.log_since(*o))
            .collect()
    };
    let offsets = || -> Vec<usize> { c.workers.iter().map(|w| w.log_len()).collect() };

    // The control: a password set on a role of this database, Citus propagates it, and
    // both workers log the verifier.
    let probe = format!("{}_probe", store.db.name());
    let before = offsets();
    store.sql(&format!(
        "CREATE ROLE {probe} LOGIN; ALTER ROLE {probe} PASSWORD 'probe-pw'"
    ));
    let probe_verifier = verifier(&probe);
    assert!(
        probe_verifier.starts_with("SCRAM-SHA-256$"),
        "{probe_verifier}"
    );
    for log in logs_since(&before) {
        assert!(
            log.contains(&probe_verifier),
            "the control: a worker logs the verifier Citus sends\n{log}"
        );
    }
    store.sql(&format!("DROP ROLE {probe}"));

    let coordinator_before = c.coordinator.log_len();
    let before = offsets();
    let install = store.cli(&["install"]);
    install.assert_code(0);
    assert_applied(&install, &["citus.role.owner"]);
    let owner_verifier = verifier(&store.owner);
    assert!(
        owner_verifier.starts_with("SCRAM-SHA-256$"),
        "{owner_verifier}"
    );
    // Read before the check below, whose own statement holds the verifier.
    let logs = logs_since(&before);
    for w in c.workers {
        assert_eq!(
            citus::query_on(
                w,
                "postgres",
                &format!(
                    "SELECT (rolpassword = '{owner_verifier}')::text FROM pg_authid WHERE rolname = '{}'",
                    store.owner
                )
            ),
            ["true"],
            "the owner's verifier reached worker {}",
            w.port()
        );
    }
    for (w, log) in c.workers.iter().zip(logs) {
        assert_not_logged(&log, &owner_verifier, "the owner's verifier", w.port());
    }
    assert!(
        c.coordinator
            .log_since(coordinator_before)
            .contains("install_history"),
        "the coordinator stopped logging install's statements"
    );
}

/// On a distributed table the steps that otherwise run as the owner role run as the login
/// (sql/tool/citus_distributed.sql says why): a column repaired on the shards converges, also
/// in an install that repairs the owner's login on the workers, whose password they know only
/// once install commits.
#[test]
fn a_column_of_the_distributed_table_is_repaired() {
    let store = store("owner_and_column").installed();
    // One statement per query: Citus propagates the text of the query that holds the ALTER.
    store.sql("ALTER TABLE {schema}.session ALTER COLUMN sess_data TYPE varchar");
    store.sql("DELETE FROM pg_dist_authinfo WHERE rolename = '{owner}'");
    let run = store.cli(&["install"]);
    run.assert_code(0);
    assert_applied(&run, &["citus.role.owner", "column.sess_data"]);
    store.cli(&["verify"]).assert_code(0);
    // And with the owner's login as it should be.
    store.sql("ALTER TABLE {schema}.session ALTER COLUMN sess_data TYPE varchar");
    let run = store.cli(&["install"]);
    run.assert_code(0);
    assert_applied(&run, &["column.sess_data"]);
    store.cli(&["verify"]).assert_code(0);
}

/// What table.constraints drops on the distributed table is gone from every shard too: the
/// application's writes reach the shards, not the coordinator's table.
#[test]
fn a_constraint_an_index_and_a_not_null_of_the_distributed_table_are_repaired() {
    let store = store("constraints").installed();
    // One statement per query, as above.
    store.sql("ALTER TABLE {schema}.session ADD CONSTRAINT no_writes CHECK (false) NOT VALID");
    store.sql("CREATE INDEX by_length ON {schema}.session (length(sess_data))");
    store.sql("ALTER TABLE {schema}.session ALTER COLUMN sess_data SET NOT NULL");
    let on_shards = "SELECT DISTINCT result FROM run_command_on_placements('{schema}.session', $$
        SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = '%1$s'::regclass AND contype = 'c')
            || ' ' || (SELECT count(*) FROM pg_index WHERE indrelid = '%1$s'::regclass AND indexprs IS NOT NULL)
            || ' ' || (SELECT attnotnull FROM pg_attribute WHERE attrelid = '%1$s'::regclass AND attname = 'sess_data')$$)";
    assert_eq!(
        store.db.query_strings(&store.render(on_shards)),
        ["1 1 true"]
    );
    let verify = store.cli(&["verify"]);
    assert_eq!(
        failing_checks(&verify),
        ["table.constraints", "table.indexes"],
        "{verify}"
    );
    let run = store.cli(&["install"]);
    run.assert_code(0);
    assert_applied(&run, &["table.constraints"]);
    store.cli(&["verify"]).assert_code(0);
    assert_eq!(
        store.db.query_strings(&store.render(on_shards)),
        ["0 0 false"]
    );
}

/// set-password on the coordinator quiets the workers' part of its transaction as install
/// does (db::quiet_citus_workers): the new verifier, which Citus propagates in the text of a
/// command (no_role_verifier_reaches_a_workers_log has the control), reaches both workers but
/// none of the three nodes' logs, and the password none either; the role logs in with it
/// through the coordinator and on each worker. `install --password-stdin`, which sets the
/// password in install's own quieted transaction, the same.
#[test]
fn set_password_keeps_the_verifier_out_of_every_nodes_log() {
    use rand::distr::{Alphanumeric, SampleString};
    let c = citus();
    let store = store("quiet_set_password").installed();
    let nodes = [c.coordinator, c.workers[0], c.workers[1]];
    for (n, args) in [
        [
            "set-password",
            "--password-stdin",
            "--valid-until",
            "infinity",
        ]
        .as_slice(),
        ["install", "--password-stdin"].as_slice(),
    ]
    .iter()
    .enumerate()
    {
        let password = format!(
            "citus-pw-{n}-{}",
            Alphanumeric.sample_string(&mut rand::rng(), 20)
        );
        let offsets: Vec<usize> = nodes.iter().map(|node| node.log_len()).collect();
        store
            .cli_stdin(args, format!("{password}\n").as_bytes())
            .assert_code(0);
        // Read before the checks below, whose own statements hold the verifier.
        let logs: Vec<String> = nodes
            .iter()
            .zip(&offsets)
            .map(|(node, o)| node.log_since(*o))
            .collect();
        let verifier = store.stored().expect("a password was set");
        assert!(verifier.starts_with("SCRAM-SHA-256$"), "{verifier}");
        for (node, log) in nodes.iter().zip(&logs) {
            assert!(
                !log.contains(&password),
                "{args:?}: the password is in the log of port {}",
                node.port()
            );
            assert_not_logged(
                log,
                &verifier,
                &format!("{args:?}: the verifier"),
                node.port(),
            );
        }
        assert_eq!(
            store.login(&password),
            Ok(()),
            "{args:?}: through the coordinator"
        );
        for w in c.workers {
            let mut app = login_to_worker(w, &store, &password);
            let until: String = app
                .query_one(
                    "SELECT coalesce(rolvaliduntil::text, 'none') FROM pg_roles WHERE rolname = current_user",
                    &[],
                )
                .expect("the role's VALID UNTIL on a worker")
                .get(0);
            assert_eq!(until, "infinity", "{args:?}: on worker {}", w.port());
        }
    }
}

/// Only a superuser may run the SET LOCAL commands that quiet the workers, and one refused
/// would abort the transaction: connected as a CREATEROLE role, set-password does not try
/// them, sets the password all the same and says that the logs may hold the verifier, also
/// when the role may quiet the coordinator's own log (SET granted there, which Citus does not
/// propagate) and the workers' logs do hold it.
#[test]
fn set_password_as_a_createrole_role_sets_it_and_says_the_logs_may_hold_the_verifier() {
    let c = citus();
    let store = store("createrole_set_password").installed();
    let admin_pw = "createrole-admin-pw";
    let admin = store.create_role("admin", &format!("LOGIN CREATEROLE PASSWORD '{admin_pw}'"));
    // Citus reaches the workers as the connected role.
    store.sql(&format!(
        "INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, '{admin}', 'password={admin_pw}');
         GRANT SET ON PARAMETER log_statement, log_min_duration_statement, log_min_duration_sample,
               log_min_error_statement TO {admin}"
    ));
    let offsets: Vec<usize> = c.workers.iter().map(|w| w.log_len()).collect();
    let password = "set-by-createrole";
    let mut cmd = crate::support::bin();
    cmd.args(store.args(&["set-password", "--password-stdin"]))
        .arg("--dsn")
        .arg(format!("{} user={admin}", store.db.dsn()))
        .env("PGPASSWORD", admin_pw);
    let run = crate::support::run_with_stdin(cmd, Some(format!("{password}\n").as_bytes()));
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("note: the connected role may not turn statement logging off"),
        "{run}"
    );
    let verifier = store.stored().expect("a password was set");
    assert!(
        !c.coordinator.log_contents().contains(&verifier),
        "the coordinator's own log was quiet"
    );
    for (w, offset) in c.workers.iter().zip(offsets) {
        assert!(
            w.log_since(offset).contains(&verifier),
            "worker {} logs the verifier: the note is due",
            w.port()
        );
    }
    assert_eq!(store.login(password), Ok(()));
    for w in c.workers {
        login_to_worker(w, &store, password);
    }
}

/// A connection to worker `w` as the store's application role, straight, not through the
/// coordinator.
#[track_caller]
fn login_to_worker(w: &Cluster, store: &Store, password: &str) -> postgres::Client {
    w.config(store.db.name(), &store.role, password)
        .connect(postgres::NoTls)
        .unwrap_or_else(|e| {
            panic!(
                "logging in to worker {} as {}: {}",
                w.port(),
                store.role,
                crate::support::pg_error(&e)
            )
        })
}

/// Panics when `secret` is in the log of the node on `port`, showing the lines that hold it
/// and the BEGINs of the transactions around them.
#[track_caller]
fn assert_not_logged(log: &str, secret: &str, what: &str, port: u16) {
    assert!(
        !log.contains(secret),
        "{what} is in the log of port {port}:\n{}",
        log.lines()
            .filter(|l| l.contains(secret) || l.contains("BEGIN"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
