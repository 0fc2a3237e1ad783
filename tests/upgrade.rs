//! Issue 3: adopting legacy databases. A 1.1.x database is built exactly as connect-pg 1.1.5's
//! users built it (its published `session_install.sql`, pgTAP in public, `SELECT correct_web()`
//! as a superuser; tests/vendor/connect-pg-1.1.5), a 1.0.x one from the layout in
//! tests/fixtures/connect-pg-1.0.x; each is loaded with 100 000 sessions and must converge in
//! place with every live session intact, leftovers in public untouched, and `--dry-run`
//! changing nothing. Both layouts use the fixed names `web` and `nodepg`, which are
//! cluster-wide roles, so each test has a private cluster.

use std::time::Instant;

use crate::support::{failing_checks as failing, private_cluster, Run, TestDb, BEHAVIOUR};

const SESSIONS: usize = 100_000;

/// Names of the steps an install reported as applied, in order.
pub(crate) fn applied(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("applied "))
        .filter_map(|rest| rest.split_whitespace().next().map(str::to_string))
        .collect()
}

pub(crate) fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// connect-pg 1.1.5's own install, as its README told users to run it.
fn build_legacy_11x(db: &TestDb) {
    let install_sql = include_str!("vendor/connect-pg-1.1.5/session_install.sql");
    let mut c = db.client();
    c.batch_execute("CREATE EXTENSION pgtap")
        .expect("pgTAP into public, as connect-pg 1.1.x required");
    c.batch_execute(install_sql)
        .expect("connect-pg 1.1.5's session_install.sql");
    let messages = db.query_strings("SELECT correct_web()");
    assert!(
        messages.iter().any(|m| m == "Permissions set."),
        "correct_web() did not finish: {messages:?}"
    );
}

fn build_legacy_10x(db: &TestDb) {
    db.client()
        .batch_execute(include_str!("fixtures/connect-pg-1.0.x/layout.sql"))
        .expect("the 1.0.x layout");
}

/// A database of a private cluster laid out by `build`, loaded with SESSIONS sessions.
fn loaded(hint: &str, build: fn(&TestDb)) -> TestDb {
    let db = private_cluster().create_db(hint);
    build(&db);
    load_sessions(&db);
    db
}

/// SESSIONS rows in one statement with the triggers off (1.1.x's statement trigger would
/// otherwise scan the table): 80% live for 1 to 48 hours, 10% expired 1 to 30 days ago, 10%
/// with NULL expiration; data with quotes, a backslash and non-ASCII.
fn load_sessions(db: &TestDb) {
    db.client()
        .batch_execute(&format!(
            "ALTER TABLE web.session DISABLE TRIGGER USER;
             INSERT INTO web.session (sess_id, sess_data, expiration)
             SELECT md5('session ' || i),
                    format('{{\"cookie\":{{\"maxAge\":86400000}},\"user\":%s,\"note\":\"é \\\\ ''q''\"}}', i),
                    CASE i % 10 WHEN 0 THEN NULL
                                WHEN 1 THEN now() - interval '1 day' * (1 + i % 30)
                                ELSE now() + interval '1 hour' * (1 + i % 48) END
               FROM generate_series(1, {SESSIONS}) AS i;
             ALTER TABLE web.session ENABLE TRIGGER USER;"
        ))
        .expect("loading sessions");
}

/// Count and md5 of (id, data, expiration) of the live sessions (unexpired or NULL), and the
/// count of all rows; expirations in UTC so the text does not depend on the session's zone.
fn checksums(db: &TestDb) -> (String, String) {
    let live = db.query_strings(
        "SET TimeZone = 'UTC';
         SELECT count(*) || ' ' || md5(string_agg(
                    sess_id || E'\\t' || coalesce(sess_data, '<null>') || E'\\t' || coalesce(expiration::text, '<null>'),
                    E'\\n' ORDER BY sess_id))
           FROM web.session WHERE expiration IS NULL OR expiration >= now()",
    );
    let all = db.query_strings("SELECT count(*) FROM web.session");
    (live.join(""), all.join(""))
}

fn one(db: &TestDb, sql: &str) -> String {
    db.query_strings(sql).join(",")
}

/// The unchanged 1.1.5 client's calls, as nodepg, against an adopted database.
fn app_reads_sessions(db: &TestDb, live: i64) {
    db.client()
        .batch_execute("ALTER ROLE nodepg PASSWORD 'upgrade-test-pw'")
        .unwrap();
    let mut app = db
        .client_as("nodepg", "upgrade-test-pw")
        .expect("nodepg logs in once it has a password");
    let id = one(db, "SELECT md5('session 2')");
    let data: Vec<String> = app
        .query("SELECT web.get_session_data($1)", &[&id])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(data.len(), 1, "session 2 is live");
    assert!(data[0].contains("\"user\":2,"), "{data:?}");
    let expired = one(db, "SELECT md5('session 1')");
    assert!(app
        .query("SELECT web.get_session_data($1)", &[&expired])
        .unwrap()
        .is_empty());
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .unwrap()
        .get(0);
    assert_eq!(i64::from(count), live);
}

/// After an upgraded install: verify passes, not one session changed, the legacy default
/// password of nodepg is gone, and nodepg (given a password) reads the live sessions.
#[track_caller]
fn assert_converged(db: &TestDb, sessions_before: (String, String)) {
    let verify = db.cli(&["verify"]);
    assert_eq!(verify.code, 0, "{verify}");
    assert_eq!(checksums(db), sessions_before, "sessions changed");
    assert_eq!(
        one(
            db,
            "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'nodepg'"
        ),
        "t"
    );
    app_reads_sessions(db, live_count(&sessions_before.0));
}

/// `install --dry-run`, which must succeed and change nothing, then `install`, timed: both
/// runs, for the caller to read what they printed. `layout` names the legacy version.
fn dry_run_then_install(db: &TestDb, layout: &str) -> (Run, Run) {
    let snapshot = db.snapshot();
    let dry = db.cli(&["install", "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry}");
    assert_eq!(
        snapshot,
        db.snapshot(),
        "install --dry-run changed the {layout} database"
    );
    let started = Instant::now();
    let install = db.cli(&["install"]);
    let took = started.elapsed();
    assert_eq!(install.code, 0, "{install}");
    eprintln!("[upgrade] install of a {layout} database with {SESSIONS} sessions took {took:?}");
    (dry, install)
}

fn live_count(checksum: &str) -> i64 {
    checksum
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

/// What verify reports on a legacy layout: its own failing checks (`LEGACY_11X_OWN`,
/// `LEGACY_10X_OWN`) and the behaviour checks, which do not run foreign bodies.
fn legacy_failing(own: &[&'static str]) -> Vec<&'static str> {
    [own, BEHAVIOUR].concat()
}

/// Verify fails on exactly the `legacy_failing(own)` checks.
#[track_caller]
fn assert_verify_fails_as_legacy(db: &TestDb, own: &[&'static str]) {
    let verify = db.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert_eq!(failing(&verify), sorted(&legacy_failing(own)), "{verify}");
}

/// A database fresh from connect-pg 1.1.5's correct_web(): every function's body and owner
/// (superuser-owned, older bodies), the schema and table owners, the statement-level trigger,
/// valid_sessions, the default password, the missing owner role and history table.
const LEGACY_11X_OWN: &[&str] = &[
    "role.owner",
    "role.app.password",
    "schema.owner",
    "table.owner",
    "function.set_session_data.body",
    "function.set_session_data.owner",
    "function.get_session_data.body",
    "function.get_session_data.owner",
    "function.destroy_session.body",
    "function.destroy_session.owner",
    "function.clear_sessions.body",
    "function.clear_sessions.owner",
    "function.count_sessions.body",
    "function.count_sessions.owner",
    "function.remove_expired.body",
    "function.remove_expired.owner",
    "trigger",
    "legacy.valid_sessions",
    "history",
];

#[test]
fn legacy_11x_with_100k_sessions_converges_and_keeps_every_live_session() {
    let db = loaded("legacy_11x", build_legacy_11x);
    assert_eq!(
        one(
            &db,
            "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'nodepg'"
        ),
        "t",
        "correct_web() gives nodepg the password 'password'"
    );

    assert_verify_fails_as_legacy(&db, LEGACY_11X_OWN);

    let (live_before, all_before) = checksums(&db);
    assert!(live_count(&live_before) >= 89_000, "{live_before}");

    // Acceptance 4 on a legacy database: the dry run prints and changes nothing.
    let (dry, install) = dry_run_then_install(&db, "1.1.x");
    for name in legacy_failing(LEGACY_11X_OWN) {
        assert!(
            dry.stdout.contains(&format!("not ok  {name} ")),
            "{name} not listed\n{dry}"
        );
    }
    for step in [
        "-- step legacy.valid_sessions\n",
        "-- step role.app.password\n",
        "-- step trigger\n",
    ] {
        assert!(dry.stdout.contains(step), "{step} not printed\n{dry}");
    }
    assert!(
        dry.stdout.contains("ALTER ROLE \"nodepg\" PASSWORD NULL;"),
        "{dry}"
    );

    assert!(install.stdout.contains("Installed:"), "{install}");
    assert_eq!(
        applied(&install),
        [
            "role.owner",
            "role.app.password",
            "schema",
            "table.owner",
            "legacy.valid_sessions",
            "function.set_session_data",
            "function.get_session_data",
            "function.destroy_session",
            "function.clear_sessions",
            "function.count_sessions",
            "function.remove_expired",
            "trigger",
            "history",
        ],
        "{install}"
    );
    // The leftovers in public are named, not dropped.
    assert!(
        install.stderr.contains(
            "note: connect-pg 1.1.x's installer is still in this database (public.correct_web, "
        ),
        "{install}"
    );
    assert!(
        install.stderr.contains("31 test_web_* functions"),
        "{install}"
    );

    assert_converged(&db, (live_before, all_before));

    // What the upgrade did to the legacy objects.
    assert_eq!(
        one(
            &db,
            "SELECT to_regprocedure('web.valid_sessions()') IS NULL"
        ),
        "t"
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND (proname LIKE 'test\\_web\\_%' OR proname IN ('correct_web', 'failed_test', 'setup_10_web', 'new_session_id', 'create_test_session'))"),
        "36",
        "the functions in public are left alone"
    );
    assert_eq!(
        one(
            &db,
            "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'pgtap'"
        ),
        "public"
    );

    // The history says what happened, by whom, with which version.
    let history = db.query_strings(
        "SELECT format('%s|%s|%s|%s', installed_by, tool_version, array_length(failing_before, 1), array_to_string(steps, ','))
           FROM web.install_history",
    );
    assert_eq!(
        history,
        [format!(
            "postgres|{}|{}|{}",
            env!("CARGO_PKG_VERSION"),
            legacy_failing(LEGACY_11X_OWN).len(),
            applied(&install).join(",")
        )]
    );

    let again = db.cli(&["install"]);
    assert_eq!(again.code, 0, "{again}");
    assert!(applied(&again).is_empty(), "{again}");
}

/// The 1.0.x layout: no owner role, no nodepg, no index, no trigger or remove_expired,
/// all_session_ids present, signatures and bodies of another age.
const LEGACY_10X_OWN: &[&str] = &[
    "role.owner",
    "role.app",
    "schema.owner",
    "table.owner",
    "expire_idx",
    "function.set_session_data.body",
    "function.set_session_data.search_path",
    "function.set_session_data.owner",
    "function.set_session_data.public",
    "function.get_session_data.body",
    "function.get_session_data.search_path",
    "function.get_session_data.owner",
    "function.get_session_data.public",
    "function.destroy_session.body",
    "function.destroy_session.search_path",
    "function.destroy_session.owner",
    "function.destroy_session.public",
    "function.clear_sessions.body",
    "function.clear_sessions.search_path",
    "function.clear_sessions.owner",
    "function.clear_sessions.public",
    "function.count_sessions",
    "function.count_sessions.body",
    "function.count_sessions.search_path",
    "function.count_sessions.owner",
    "function.count_sessions.public",
    "function.remove_expired",
    "function.remove_expired.definer",
    "function.remove_expired.search_path",
    "function.remove_expired.body",
    "function.remove_expired.owner",
    "trigger",
    "absent.all_session_ids",
    "history",
    "grant.schema",
    "grant.table",
    "grant.functions",
];

#[test]
fn legacy_10x_with_100k_sessions_converges_and_keeps_every_live_session() {
    let db = loaded("legacy_10x", build_legacy_10x);

    assert_verify_fails_as_legacy(&db, LEGACY_10X_OWN);

    let (live_before, all_before) = checksums(&db);
    let (dry, install) = dry_run_then_install(&db, "1.0.x");
    assert!(
        dry.stdout
            .contains("DROP FUNCTION IF EXISTS \"web\".all_session_ids();"),
        "{dry}"
    );
    // No installer functions in public in this layout: nothing to note.
    assert!(!install.stderr.contains("note:"), "{install}");

    assert_converged(&db, (live_before, all_before));
    assert_eq!(
        one(
            &db,
            "SELECT to_regprocedure('web.all_session_ids()') IS NULL"
        ),
        "t"
    );
    assert_eq!(
        one(
            &db,
            "SELECT pg_get_function_result('web.count_sessions()'::regprocedure)"
        ),
        "integer"
    );
    assert_eq!(one(&db, "SELECT count(*) FROM web.install_history"), "1");
}

/// The decisions about what is someone else's: a valid_sessions() whose body was changed
/// stays (with the owner role's rights instead of the superuser's), a function of the user's
/// in public stays, and afterwards connect-pg 1.1.5's own pgTAP suite passes against the
/// adopted database, as the contract promises.
#[test]
fn legacy_11x_own_objects_stay_and_the_original_suite_passes() {
    let cluster = private_cluster();
    let db = cluster.create_db("legacy_11x_own");
    build_legacy_11x(&db);
    db.client()
        .batch_execute(
            "CREATE OR REPLACE FUNCTION web.valid_sessions() RETURNS SETOF web.session AS $$
                 BEGIN
                     -- ours: only the sessions of the last week
                     RETURN QUERY SELECT * FROM web.session WHERE expiration > now() - interval '7 days';
                 END;
             $$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = web, pg_temp;
             CREATE FUNCTION public.report_sessions() RETURNS bigint LANGUAGE sql
                 AS $$ SELECT count(*) FROM web.session $$;",
        )
        .unwrap();
    let public_before = db.query_strings(
        "SELECT format('%s %s %s', p.oid::regprocedure, pg_get_userbyid(p.proowner), md5(p.prosrc))
           FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
            AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          ORDER BY 1",
    );
    let valid_src = one(
        &db,
        "SELECT md5(prosrc) FROM pg_proc WHERE oid = 'web.valid_sessions()'::regprocedure",
    );

    let verify = db.cli(&["verify"]);
    assert!(
        failing(&verify).contains(&"legacy.valid_sessions".to_string()),
        "{verify}"
    );
    let install = db.cli(&["install"]);
    assert_eq!(install.code, 0, "{install}");
    assert_eq!(db.cli(&["verify"]).code, 0);

    assert_eq!(
        one(&db, "SELECT format('%s %s %s', md5(prosrc), pg_get_userbyid(proowner), has_function_privilege('public', oid, 'EXECUTE')) FROM pg_proc WHERE oid = 'web.valid_sessions()'::regprocedure"),
        format!("{valid_src} web_owner f"),
        "a changed valid_sessions() stays, owned by the owner role, not for PUBLIC"
    );
    let public_after = db.query_strings(
        "SELECT format('%s %s %s', p.oid::regprocedure, pg_get_userbyid(p.proowner), md5(p.prosrc))
           FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
            AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          ORDER BY 1",
    );
    assert_eq!(
        public_before, public_after,
        "install touched functions in public"
    );
    assert!(install.stderr.contains("public.correct_web"), "{install}");

    // connect-pg 1.1.5's own suite, run the way its failed_test() runs it, in a transaction
    // that is rolled back (its setup clears every session).
    let tap =
        db.query_strings("BEGIN; SELECT * FROM runtests('public'::name, '^test_web_'); ROLLBACK;");
    let failures: Vec<&String> = tap
        .iter()
        .filter(|l| l.trim_start().starts_with("not ok"))
        .collect();
    assert!(
        failures.is_empty(),
        "the original suite fails:\n{}",
        tap.join("\n")
    );
    assert!(
        tap.iter().filter(|l| l.starts_with("ok ")).count() >= 30,
        "{}",
        tap.join("\n")
    );
}

/// The rollback docs/upgrade.md gives for a 1.1.x database, run exactly as printed there:
/// the database is back to what correct_web() makes (verify fails on the same checks as
/// before the upgrade, but the password), the sessions are untouched, connect-pg's suite
/// passes, and upgrading again converges.
#[test]
fn the_documented_rollback_from_11x_restores_the_legacy_setup() {
    let doc = include_str!("../docs/upgrade.md");
    let start = doc
        .find("<!-- rollback-1.1.x")
        .expect("docs/upgrade.md has the rollback block");
    let end = doc[start..]
        .find("<!-- /rollback-1.1.x -->")
        .expect("the end of the rollback block")
        + start;
    let block = &doc[start..end];
    let sql: String = block
        .lines()
        .skip_while(|l| !l.starts_with("```sql"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(sql.contains("SELECT correct_web();"), "{sql}");

    let db = loaded("legacy_rollback", build_legacy_11x);
    let sessions = checksums(&db);
    assert_eq!(db.cli(&["install"]).code, 0);

    db.client()
        .batch_execute(&sql)
        .unwrap_or_else(|e| panic!("{}\n{sql}", crate::support::pg_error(&e)));
    assert_eq!(checksums(&db), sessions, "the rollback changed sessions");
    let verify = db.cli(&["verify"]);
    let mut expected = legacy_failing(LEGACY_11X_OWN);
    expected.retain(|c| *c != "role.app.password");
    assert_eq!(failing(&verify), sorted(&expected), "{verify}");
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM pg_roles WHERE rolname = 'web_owner'"
        ),
        "0"
    );

    let tap =
        db.query_strings("BEGIN; SELECT * FROM runtests('public'::name, '^test_web_'); ROLLBACK;");
    assert!(
        !tap.iter().any(|l| l.trim_start().starts_with("not ok")),
        "connect-pg's suite fails after the rollback:\n{}",
        tap.join("\n")
    );

    let again = db.cli(&["install"]);
    assert_eq!(again.code, 0, "{again}");
    assert_eq!(db.cli(&["verify"]).code, 0);
    assert_eq!(checksums(&db), sessions);
}

/// A store installed by connect-pg-admin 0.1.0, whose function bodies held their comments
/// (tests/vendor/connect-pg-admin-0.1.0): the body hashes changed with this version, so the
/// first install replaces exactly the six functions, once, with their sessions and grants
/// untouched, and the next install finds nothing to do (docs/upgrade.md).
#[test]
fn a_store_of_the_previous_version_has_its_functions_replaced_once() {
    let s = crate::support::Store::new("previous_version").installed();
    s.sql("SELECT {schema}.set_session_data('live', 'data', now() + interval '1 hour')");
    s.sql(include_str!("vendor/connect-pg-admin-0.1.0/functions.sql"));
    // The four whose bodies held comments; clear_sessions and destroy_session had none.
    let changed = [
        "count_sessions",
        "get_session_data",
        "remove_expired",
        "set_session_data",
    ];
    assert_eq!(
        s.db.query_strings(&s.render(
            "SELECT proname FROM pg_proc
              WHERE pronamespace = '{schema}'::regnamespace AND prosrc LIKE '%--%' ORDER BY 1",
        )),
        changed
    );

    let verify = s.cli(&["verify"]);
    verify.assert_code(1);
    let failing = failing(&verify);
    let bodies: Vec<String> = changed
        .iter()
        .map(|f| format!("function.{f}.body"))
        .collect();
    assert_eq!(
        failing
            .iter()
            .filter(|c| c.ends_with(".body"))
            .cloned()
            .collect::<Vec<_>>(),
        bodies,
        "{verify}"
    );
    assert!(
        failing
            .iter()
            .all(|c| c.ends_with(".body") || c.starts_with("behaviour.")),
        "only the bodies and the behaviour run on them differ\n{verify}"
    );

    let install = s.cli(&["install"]);
    install.assert_code(0);
    let mut steps = applied(&install);
    steps.sort();
    // The behaviour checks, failing with the bodies, name every function step and the trigger.
    assert_eq!(
        steps,
        sorted(&[
            "function.clear_sessions",
            "function.count_sessions",
            "function.destroy_session",
            "function.get_session_data",
            "function.remove_expired",
            "function.set_session_data",
            "trigger",
        ]),
        "{install}"
    );
    assert_eq!(
        s.db.query_strings(&s.render("SELECT sess_data FROM {schema}.session")),
        ["data"]
    );
    let again = s.cli(&["install"]);
    again.assert_code(0);
    assert!(applied(&again).is_empty(), "{again}");
    s.cli(&["verify"]).assert_code(0);
}
