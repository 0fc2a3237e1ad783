//! Issue 11: the tool runs as a superuser in a database that less-privileged roles can write
//! to. Each test plants what such a role can (an operator or functions in `public` that match
//! better than pg_catalog's, a database search_path that puts them first, a pgTAP that is not
//! a superuser's, settings on the database or the login) and proves three things:
//!
//! - the control: called directly, the planted code does run and leaves a row in
//!   `public.planted_log` (so the detector works and the plant is live);
//! - with the tool: no planted code ran (the log stays empty) for verify, install, status,
//!   set-password and uninstall (dry run included), and the verdicts are right;
//! - nothing was lost: the planted objects, a live session and other owners' objects remain.
//!
//! The store's own tables: someone holding the owner role replaces them by views, retypes
//! their columns to types with casts of their own, adds an index whose constant the planner
//! folds, a forced policy, or defaults the checks used to evaluate; the tool reads the tables
//! only as their owner and evaluates none of the store's definitions (the last three tests).
//!
//! The CASCADE case: an install that would have to drop a function other owners' views depend
//! on refuses (exit 4), names them and their owner, and changes nothing; a drop that something
//! the preflight does not look for depends on fails, and is the same refusal.

use crate::support::{bin, run_with_stdin, Run, Store, CHECKS};

/// The detector: every planted function writes who ran it and what into a table, and counts
/// itself in a sequence, which anyone may use. The tool rolls back what it does not commit
/// (verify always, the checks' savepoint always), and the row with it; nextval is never
/// rolled back, so the count shows any run.
const DETECTOR: &str = "
    CREATE TABLE public.planted_log (who text, what text);
    GRANT SELECT, INSERT ON public.planted_log TO PUBLIC;
    CREATE SEQUENCE public.planted_hits;
    GRANT USAGE ON SEQUENCE public.planted_hits TO PUBLIC;
    GRANT CREATE ON SCHEMA public TO PUBLIC;";

/// The PL/pgSQL statements a planted function runs first: count, then log.
fn payload(what: &str) -> String {
    format!(
        "PERFORM pg_catalog.nextval('public.planted_hits');
         INSERT INTO public.planted_log VALUES (current_user, '{what}');"
    )
}

/// How often planted code ran, rolled back or not.
fn hits(s: &Store) -> i64 {
    s.db.query_strings(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.planted_hits",
    )[0]
    .parse()
    .unwrap()
}

/// A store whose database has the detector, and a login `<db>_attacker` with a password that
/// may create in `public` (as everyone may on PostgreSQL 13 and 14).
fn hostile(hint: &str) -> (Store, String) {
    let s = Store::new(hint);
    s.sql(DETECTOR);
    let attacker = s.create_role("attacker", "LOGIN PASSWORD 'attacker-pw'");
    (s, attacker)
}

/// Runs `sql` as `user` (password `<user>`-free: every test login's password is fixed).
fn sql_as(s: &Store, user: &str, password: &str, sql: &str) {
    s.db.client_as(user, password)
        .unwrap_or_else(|e| panic!("login as {user}: {}", crate::support::pg_error(&e)))
        .batch_execute(sql)
        .unwrap_or_else(|e| panic!("{}\n{sql}", crate::support::pg_error(&e)));
}

/// What the planted code recorded, `who:what`, sorted.
fn log(s: &Store) -> Vec<String> {
    let mut rows =
        s.db.query_strings("SELECT who || ':' || what FROM public.planted_log");
    rows.sort();
    rows
}

fn clear_log(s: &Store) {
    s.sql("TRUNCATE public.planted_log");
}

/// The password of every database owner `database_owner` makes.
const OWNER_PW: &str = "dbo-pw";

/// Makes `<db>_dbo`, a login that is not a superuser, the owner of the store's database.
fn database_owner(s: &Store) -> String {
    let owner = format!("{}_dbo", s.db.name());
    s.sql(&format!(
        "CREATE ROLE {owner} LOGIN PASSWORD '{OWNER_PW}'; ALTER DATABASE {} OWNER TO {owner}",
        s.db.name()
    ));
    owner
}

/// As the database owner: its own schema `tap` with a pgTAP it installs there itself, then
/// `more`.
fn owners_pgtap(s: &Store, owner: &str, more: &str) {
    sql_as(
        s,
        owner,
        OWNER_PW,
        &format!("CREATE SCHEMA tap; CREATE EXTENSION pgtap SCHEMA tap; {more}"),
    );
}

/// The CLI as `user` (not the harness's superuser), with extra environment.
fn cli_as(s: &Store, user: &str, password: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin();
    cmd.args(s.args(args))
        .arg("--dsn")
        .arg(format!(
            "host=127.0.0.1 port={} user={user} dbname={} sslmode=disable",
            s.db.cluster().port(),
            s.db.name()
        ))
        .env("PGPASSWORD", password);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_with_stdin(cmd, None)
}

/// Every command the tool has, each followed by the assertion that the log is still empty:
/// on an empty database verify fails (1) and install repairs (0); then verify, status and
/// set-password pass on the installed store, whose live session survives them; uninstall's
/// dry run changes nothing and uninstall removes the store.
/// One run of the CLI: its arguments and, for set-password, its stdin.
type Cli<'a> = dyn Fn(&[&str], Option<&[u8]>) -> Run + 'a;

fn every_command_runs_nothing_planted(s: &Store, run: &Cli) {
    let others = others_objects(s);
    assert!(
        others.iter().any(|o| o.starts_with("planted_log ")),
        "{others:?}"
    );
    let step = |args: &[&str], stdin: Option<&[u8]>, code: i32| {
        let before = hits(s);
        let r = run(args, stdin);
        assert_eq!(hits(s), before, "planted code ran during {args:?}\n{r}");
        assert_eq!(
            log(s),
            Vec::<String>::new(),
            "planted code ran during {args:?}\n{r}"
        );
        r.assert_code(code);
        r
    };
    step(&["verify"], None, 1);
    step(&["install"], None, 0);
    s.sql("SELECT {schema}.set_session_data('live', 'data', pg_catalog.now() + interval '1 hour')");
    step(&["verify"], None, 0).assert_stdout_has(&format!("All {CHECKS} checks pass"));
    step(&["status"], None, 0);
    step(
        &["set-password", "--password-stdin"],
        Some(b"Planted-Pw-1\n"),
        0,
    );
    assert_eq!(
        s.db.query_strings(&s.render("SELECT sess_data FROM {schema}.session")),
        ["data"],
        "the live session is gone"
    );
    step(&["uninstall", "--dry-run"], None, 0);
    assert_eq!(
        s.db.query_strings(&s.render("SELECT count(*) FROM {schema}.session")),
        ["1"]
    );
    step(&["uninstall", "--yes"], None, 0);
    assert_eq!(
        others_objects(s),
        others,
        "an object that is not the store's was lost"
    );
}

/// Every relation, function, operator, type and extension of this database outside the
/// store's schema and the system's, with its owner: what the tool must leave alone. Every
/// function and comparison qualified, so that the harness runs nothing planted either.
fn others_objects(s: &Store) -> Vec<String> {
    let system = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{information_schema,{schema}}'::text[])";
    s.db.query_strings(&s.render(&format!(
        "SELECT c.oid::pg_catalog.regclass::text || ' ' || c.relowner::pg_catalog.regrole::text
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
          WHERE {system}
         UNION ALL
         SELECT p.oid::pg_catalog.regprocedure::text || ' ' || p.proowner::pg_catalog.regrole::text
           FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
          WHERE {system}
         UNION ALL
         SELECT o.oid::pg_catalog.regoperator::text || ' ' || o.oprowner::pg_catalog.regrole::text
           FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) o.oprnamespace
          WHERE {system}
         UNION ALL
         SELECT e.extname::text || ' ' || e.extnamespace::pg_catalog.regnamespace::text FROM pg_catalog.pg_extension e
         ORDER BY 1"
    )))
}

fn as_superuser(s: &Store) -> impl Fn(&[&str], Option<&[u8]>) -> Run + '_ {
    move |args, stdin| match stdin {
        Some(input) => s.cli_stdin(args, input),
        None => s.cli(args),
    }
}

/// Functions named like pg_catalog's, planted in `public` by another role: an exact
/// `=`(oid, regclass) operator (pg_catalog has none, so it wins wherever public is on the
/// path), better-matching overloads (`lower(varchar)`, `format(text, text)`), and exact
/// copies of signatures the tool calls (`to_regclass(text)`, `md5(text)`, `now()`, ...),
/// with the database's search_path set to put public first.
#[test]
fn functions_and_operators_planted_in_public_never_run() {
    let (s, attacker) = hostile("planted_public");
    let planted = [
        (
            "oid = regclass",
            "planted_eq(a oid, b regclass) RETURNS boolean",
            "a OPERATOR(pg_catalog.=) b::oid",
        ),
        (
            "lower(varchar)",
            "lower(a character varying) RETURNS text",
            "pg_catalog.lower(a::text)",
        ),
        (
            "format(text, text)",
            "format(f text, a text) RETURNS text",
            "pg_catalog.format(f, a)",
        ),
        ("md5(text)", "md5(a text) RETURNS text", "pg_catalog.md5(a)"),
        (
            "to_regclass(text)",
            "to_regclass(a text) RETURNS regclass",
            "pg_catalog.to_regclass(a)",
        ),
        (
            "to_regprocedure(text)",
            "to_regprocedure(a text) RETURNS regprocedure",
            "pg_catalog.to_regprocedure(a)",
        ),
        (
            "current_setting(text)",
            "current_setting(a text) RETURNS text",
            "pg_catalog.current_setting(a)",
        ),
        ("now()", "now() RETURNS timestamptz", "pg_catalog.now()"),
        (
            "quote_ident(text)",
            "quote_ident(a text) RETURNS text",
            "pg_catalog.quote_ident(a)",
        ),
        (
            "array_to_string(text[], text)",
            "array_to_string(a text[], b text) RETURNS text",
            "pg_catalog.array_to_string(a, b)",
        ),
    ];
    let mut plant = String::new();
    for (what, signature, real) in planted {
        plant.push_str(&format!(
            "CREATE FUNCTION public.{signature} LANGUAGE plpgsql AS $p$
             BEGIN {} RETURN {real}; END $p$;",
            payload(what)
        ));
    }
    plant.push_str(
        "CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = public.planted_eq);",
    );
    sql_as(&s, &attacker, "attacker-pw", &plant);
    s.sql(&format!(
        "ALTER DATABASE {} SET search_path = public, pg_catalog",
        s.db.name()
    ));

    // The control: a superuser session of this database resolves every one of them to the
    // planted code.
    s.sql(
        "SELECT 'pg_class'::regclass::oid = 'pg_class'::regclass, lower('X'::varchar),
                format('%s', 'x'::text), md5('x'), to_regclass('pg_class'),
                to_regprocedure('now()'), current_setting('search_path'), now(),
                quote_ident('x'), array_to_string(ARRAY['a'], ',')",
    );
    let mut want: Vec<String> = planted
        .iter()
        .map(|(w, _, _)| format!("postgres:{w}"))
        .collect();
    want.sort();
    assert_eq!(log(&s), want, "the control: every plant is live");
    clear_log(&s);

    every_command_runs_nothing_planted(&s, &as_superuser(&s));
    assert_eq!(
        s.db.query_strings(&format!(
            "SELECT count(*) FROM pg_proc WHERE proowner = '{attacker}'::regrole"
        )),
        [planted.len().to_string()],
        "the planted functions are another role's and stay"
    );
}

/// A role may not create a cast between types it does not own, so the casts the tool relies
/// on (text to regclass, oid to regclass, ...) cannot be replaced: casts are per type owner.
#[test]
fn a_cast_between_built_in_types_cannot_be_planted() {
    let (s, attacker) = hostile("planted_cast");
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        "CREATE FUNCTION public.to_class(text) RETURNS regclass LANGUAGE sql AS 'SELECT 0::regclass'",
    );
    let err =
        s.db.client_as(&attacker, "attacker-pw")
            .unwrap()
            .batch_execute("CREATE CAST (text AS regclass) WITH FUNCTION public.to_class(text)")
            .expect_err("a cast between built-in types");
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{}",
        crate::support::pg_error(&err)
    );
    // The cast a role may plant, on a type of its own, is one the tool never uses.
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        &format!(
            "CREATE TYPE public.mine AS (x int);
             CREATE FUNCTION public.mine_to_text(public.mine) RETURNS text LANGUAGE plpgsql AS $p$
             BEGIN {} RETURN 'x'; END $p$;
             CREATE CAST (public.mine AS text) WITH FUNCTION public.mine_to_text(public.mine);",
            payload("cast")
        ),
    );
    s.sql("SELECT ROW(1)::public.mine::text");
    assert_eq!(log(&s), ["postgres:cast"], "the control");
    clear_log(&s);
    every_command_runs_nothing_planted(&s, &as_superuser(&s));
}

/// pgTAP installed in `public` (as connect-pg 1.1.x did), with `public.is(text, text, text)`
/// planted next to it by another role: pgTAP's own is(anyelement, anyelement, text) would
/// lose to it. The tool does not trust that copy and loads a private one.
#[test]
fn pgtap_in_public_with_a_planted_is_is_not_used() {
    let (s, attacker) = hostile("planted_pgtap_public");
    s.sql("CREATE EXTENSION pgtap SCHEMA public");
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        &format!(
            "CREATE FUNCTION public.is(a text, b text, d text) RETURNS text LANGUAGE plpgsql AS $p$
             BEGIN {} RETURN 'ok 1'; END $p$;",
            payload("is")
        ),
    );
    s.sql("SET search_path = public; SELECT is('a'::text, 'b'::text, 'x'::text)");
    assert_eq!(log(&s), ["postgres:is"], "the control");
    clear_log(&s);
    every_command_runs_nothing_planted(&s, &as_superuser(&s));
    assert_eq!(
        s.db.query_strings(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
              WHERE e.extname = 'pgtap'"
        ),
        ["public"],
        "the installed pgTAP is left where it was"
    );
}

/// A database owner that is not a superuser installs pgTAP itself (its control file says
/// `superuser = false`) in a schema of its own and replaces `no_plan()`; in the same schema it
/// plants `lower(varchar)` and an `=`(oid, regclass) operator, and puts that schema first on
/// the database's search_path (an owner may `ALTER DATABASE ... SET` its own database). The
/// tool runs as a superuser, does not trust that pgTAP, and runs none of it.
#[test]
fn pgtap_of_a_database_owner_who_is_not_a_superuser_is_not_used() {
    let (s, _) = hostile("planted_pgtap_owner");
    let owner = database_owner(&s);
    owners_pgtap(
        &s,
        &owner,
        &format!(
            "CREATE OR REPLACE FUNCTION tap.no_plan() RETURNS SETOF boolean LANGUAGE plpgsql AS $p$
             BEGIN {} PERFORM tap.plan(0); RETURN; END $p$;
             CREATE FUNCTION tap.lower(a character varying) RETURNS text LANGUAGE plpgsql AS $p$
             BEGIN {} RETURN pg_catalog.lower(a::text); END $p$;
             CREATE FUNCTION tap.planted_eq(a oid, b regclass) RETURNS boolean LANGUAGE plpgsql AS $p$
             BEGIN {} RETURN a OPERATOR(pg_catalog.=) b::oid; END $p$;
             CREATE OPERATOR tap.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = tap.planted_eq);
             ALTER DATABASE {} SET search_path = tap, public;",
            payload("no_plan"),
            payload("lower(varchar)"),
            payload("oid = regclass"),
            s.db.name()
        ),
    );
    s.sql(
        "SELECT * FROM tap.no_plan();
         SELECT lower('X'::varchar), 'pg_class'::regclass::oid = 'pg_class'::regclass",
    );
    assert_eq!(
        log(&s),
        [
            "postgres:lower(varchar)",
            "postgres:no_plan",
            "postgres:oid = regclass"
        ],
        "the control"
    );
    clear_log(&s);
    every_command_runs_nothing_planted(&s, &as_superuser(&s));
}

/// Settings that used to change verdicts or cut the tool off: styles that change how
/// intervals and dates print, a time zone, timeouts shorter than a run, serializable by
/// default. They are set on the database (and apply to the harness's superuser) and on a
/// login of its own; the tool pins its session, so install and verify pass on an empty
/// database and on a correct store.
#[test]
fn database_and_role_settings_change_no_verdict() {
    let s = Store::new("planted_settings");
    let settings = [
        "IntervalStyle = iso_8601",
        "DateStyle = 'SQL, DMY'",
        "TimeZone = 'Pacific/Chatham'",
        "statement_timeout = '30ms'",
        "idle_in_transaction_session_timeout = '300ms'",
        "default_transaction_isolation = serializable",
    ];
    let login = s.create_role("ci", "LOGIN SUPERUSER PASSWORD 'ci-pw'");
    for set in settings {
        s.sql(&format!("ALTER DATABASE {} SET {set}", s.db.name()));
    }
    // The role's own values win over the database's at login: other styles again.
    for set in [
        "IntervalStyle = sql_standard",
        "DateStyle = 'German'",
        "TimeZone = 'America/St_Johns'",
        "statement_timeout = '30ms'",
        "idle_in_transaction_session_timeout = '300ms'",
        "default_transaction_isolation = 'repeatable read'",
    ] {
        s.sql(&format!("ALTER ROLE {login} SET {set}"));
    }
    // The control: a session of each login has them.
    let shown = |c: &mut postgres::Client| -> String {
        c.query_one(
            "SELECT current_setting('IntervalStyle') || ' ' || current_setting('statement_timeout')",
            &[],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(shown(&mut s.db.client()), "iso_8601 30ms");
    assert_eq!(
        shown(&mut s.db.client_as(&login, "ci-pw").unwrap()),
        "sql_standard 30ms"
    );

    let by_database = |args: &[&str]| s.cli(args);
    let by_role = |args: &[&str]| cli_as(&s, &login, "ci-pw", args, &[]);
    let by_options = |args: &[&str]| {
        let options = "-c IntervalStyle=postgres_verbose -c statement_timeout=30";
        cli_as(&s, &login, "ci-pw", args, &[("PGOPTIONS", options)])
    };
    for (who, run) in [
        (
            "the database's settings",
            &by_database as &dyn Fn(&[&str]) -> Run,
        ),
        ("the role's settings", &by_role),
        ("PGOPTIONS", &by_options),
    ] {
        // An empty database: install creates everything and passes.
        run(&["install"]).assert_code(0);
        let verified = run(&["verify"]);
        verified.assert_code(0);
        assert!(
            verified
                .stdout
                .contains(&format!("All {CHECKS} checks pass")),
            "{who}\n{verified}"
        );
        run(&["status"]).assert_code(0);
        run(&["install"]).assert_code(0);
        run(&["uninstall", "--yes"]).assert_code(0);
    }
}

/// `session_replication_role = replica` on the tool's login would keep the store's trigger
/// from firing in the checks. A superuser's session is reset to origin and passes; a login
/// that may not change it is refused in one line before anything runs.
#[test]
fn session_replication_role_replica_is_reset_or_refused() {
    let s = Store::new("planted_replica").installed();
    let su = s.create_role("su", "LOGIN SUPERUSER PASSWORD 'su-pw'");
    let dbo = database_owner(&s);
    s.sql(&format!(
        "ALTER ROLE {su} SET session_replication_role = replica;
         ALTER ROLE {dbo} SET session_replication_role = replica;"
    ));
    let setting = |user: &str, pw: &str| -> String {
        s.db.client_as(user, pw)
            .unwrap()
            .query_one("SELECT current_setting('session_replication_role')", &[])
            .unwrap()
            .get(0)
    };
    // The control: the superuser's sessions start as replica.
    assert_eq!(setting(&su, "su-pw"), "replica");
    for args in [&["verify"][..], &["install"], &["status"]] {
        let r = cli_as(&s, &su, "su-pw", args, &[]);
        r.assert_code(0);
    }
    // The control: a superuser's role setting applies to the owner's sessions too, and the
    // owner may not change it.
    let before = s.db.snapshot();
    assert_eq!(setting(&dbo, OWNER_PW), "replica");
    let refused =
        s.db.client_as(&dbo, OWNER_PW)
            .unwrap()
            .batch_execute("SET session_replication_role = origin")
            .expect_err("a login that is not a superuser may not reset it");
    assert_eq!(
        refused.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    );
    for args in [&["verify"][..], &["install", "--dry-run"], &["status"]] {
        let r = cli_as(&s, &dbo, OWNER_PW, args, &[]);
        r.assert_code(4);
        assert_eq!(r.stderr.lines().count(), 1, "{r}");
        assert!(
            r.stderr.contains("session_replication_role is replica"),
            "{r}"
        );
    }
    assert_eq!(s.db.snapshot(), before);
}

/// Another owner's view on one of the store's functions, a materialized view on that view and
/// a column default calling it. The function has an old result type, so install must drop it
/// to create it again: install refuses (exit 4), naming each and its owner, and changes
/// nothing; the dry run says the same. Without them install converges.
#[test]
fn a_function_others_depend_on_is_never_dropped() {
    let s = Store::new("planted_cascade").installed();
    let alice = s.create_role("alice", "");
    s.sql(&format!(
        "DROP FUNCTION {{schema}}.count_sessions();
         CREATE FUNCTION {{schema}}.count_sessions() RETURNS bigint LANGUAGE sql STABLE
             SECURITY DEFINER SET search_path = {{schema}}, pg_temp
             AS 'SELECT count(*) FROM {{schema}}.session';
         SELECT {{schema}}.set_session_data('live', 'data', now() + interval '1 hour');
         CREATE VIEW public.session_stats AS SELECT {{schema}}.count_sessions() AS n;
         CREATE MATERIALIZED VIEW public.session_stats_mv AS SELECT n FROM public.session_stats;
         CREATE TABLE public.tally (n bigint DEFAULT {{schema}}.count_sessions());
         INSERT INTO public.tally DEFAULT VALUES;
         ALTER VIEW public.session_stats OWNER TO {alice};
         ALTER MATERIALIZED VIEW public.session_stats_mv OWNER TO {alice};
         ALTER TABLE public.tally OWNER TO {alice};"
    ));
    let before = s.db.snapshot();
    for args in [&["install"][..], &["install", "--dry-run"]] {
        let r = s.cli(args);
        r.assert_code(4);
        assert_eq!(r.stderr.lines().count(), 1, "{r}");
        for named in [
            "count_sessions()".to_string(),
            format!("view public.session_stats (owner {alice})"),
            format!("materialized view public.session_stats_mv (owner {alice})"),
            format!("public.tally.n (owner {alice})"),
        ] {
            assert!(r.stderr.contains(&named), "{named} not named\n{r}");
        }
        assert!(!r.stderr.contains("delete_expired_trig"), "{r}");
        assert_eq!(s.db.snapshot(), before, "{args:?} changed something");
    }
    assert_eq!(
        s.db.query_strings("SELECT n FROM public.session_stats_mv"),
        ["1"]
    );
    assert_eq!(
        s.db.query_strings("SELECT n FROM public.session_stats"),
        ["1"]
    );
    assert_eq!(s.db.query_strings("SELECT n FROM public.tally"), ["1"]);

    s.sql(
        "DROP MATERIALIZED VIEW public.session_stats_mv; DROP VIEW public.session_stats;
           ALTER TABLE public.tally ALTER n DROP DEFAULT",
    );
    s.cli(&["install"]).assert_code(0);
    s.cli(&["verify"]).assert_code(0);
    assert_eq!(
        s.db.query_strings(&s.render("SELECT sess_data FROM {schema}.session")),
        ["data"]
    );
}

/// What the preflight does not look for still stops a drop: connect-pg 1.0.x's
/// all_session_ids(), which install drops without CASCADE, with another owner's view on it.
/// The step's DROP fails, and install refuses (exit 4) in one line saying so, and changes
/// nothing; without the view it converges.
#[test]
fn a_drop_that_others_depend_on_fails_as_a_refusal() {
    let s = Store::new("planted_dependent_drop").installed();
    let alice = s.create_role("alice", "");
    s.sql(&format!(
        "CREATE FUNCTION {{schema}}.all_session_ids() RETURNS SETOF text LANGUAGE sql
             AS 'SELECT sess_id FROM {{schema}}.session';
         CREATE VIEW public.session_ids AS SELECT * FROM {{schema}}.all_session_ids();
         ALTER VIEW public.session_ids OWNER TO {alice};"
    ));
    let before = s.db.snapshot();
    let r = s.cli(&["install"]);
    r.assert_code(4);
    assert_eq!(r.stderr.lines().count(), 1, "{r}");
    for said in [
        "step drop.all_session_ids: ",
        "because other objects depend on it",
        "install drops nothing that is not the store's",
        "nothing was changed",
    ] {
        assert!(r.stderr.contains(said), "{said:?} not said\n{r}");
    }
    assert_eq!(s.db.snapshot(), before, "install changed something");

    s.sql("DROP VIEW public.session_ids");
    s.cli(&["install"]).assert_code(0);
    s.cli(&["verify"]).assert_code(0);
}

/// An installed pgTAP that is not to be trusted, on a server without pgTAP's files for a
/// private copy: verify and install refuse before running anything (exit 5), in one line
/// saying why the installed copy was not trusted; status says the same of its checks. The pgTAP here is a stand-in
/// (a control file and a one-function script written into the server's extension
/// directory, created by a database owner that is not a superuser, then the files removed):
/// a real one is not needed to be refused.
#[test]
fn an_untrusted_pgtap_without_files_for_a_private_copy_is_refused() {
    let cluster = crate::support::private_cluster_without_pgtap();
    let s = Store::on(cluster, "planted_untrusted_no_files");
    let owner = database_owner(&s);
    let share =
        s.db.query_strings("SELECT setting FROM pg_config WHERE name = 'SHAREDIR'");
    let extension = std::path::Path::new(&share[0]).join("extension");
    let control = extension.join("pgtap.control");
    let script = extension.join("pgtap--0.1.sql");
    std::fs::write(
        &control,
        "default_version = '0.1'\nsuperuser = false\nrelocatable = true\n",
    )
    .unwrap();
    std::fs::write(
        &script,
        "CREATE FUNCTION no_plan() RETURNS SETOF boolean LANGUAGE sql AS 'SELECT true WHERE false';\n",
    )
    .unwrap();
    owners_pgtap(&s, &owner, "");
    std::fs::remove_file(&control).unwrap();
    std::fs::remove_file(&script).unwrap();

    let before = s.db.snapshot();
    for args in [&["verify"][..], &["install"], &["install", "--dry-run"]] {
        let r = s.cli(args);
        r.assert_code(5);
        assert_eq!(r.stderr.lines().count(), 1, "{r}");
        for said in [
            "the pgTAP installed in schema tap is not trusted",
            &format!("belongs to {owner}, who is not a superuser"),
            "a private copy cannot be loaded",
        ] {
            assert!(r.stderr.contains(said), "{said:?} not said\n{r}");
        }
        assert_eq!(s.db.snapshot(), before, "{args:?} changed something");
    }
    // status reports what it can and says why the checks did not run.
    let status = s.cli(&["status"]);
    status.assert_code(0);
    assert!(
        status
            .stdout
            .contains("not run: the pgTAP installed in schema tap is not trusted"),
        "{status}"
    );
}

/// A `role` set on the database by its owner (`ALTER DATABASE ... SET role`, the owner's right)
/// makes every new session there act as that role, a superuser's included. The tool drops it
/// and acts as its login: install and verify give the superuser's verdict and what install
/// creates is owned as the contract says. A role the client asks for itself (PGOPTIONS
/// `-c role=...`) is the operator's choice and is honoured.
#[test]
fn a_role_set_on_the_database_does_not_become_the_tools() {
    let s = Store::new("planted_role");
    let db = s.db.name().to_string();
    let dbo = format!("{db}_dbo");
    let su = format!("{db}_su");
    s.sql(&format!(
        "CREATE ROLE {dbo} LOGIN PASSWORD 'dbo-pw';
         CREATE ROLE {su} LOGIN SUPERUSER PASSWORD 'su-pw';
         ALTER DATABASE {db} OWNER TO {dbo}"
    ));
    s.db.client_as(&dbo, "dbo-pw")
        .expect("the database owner logs in")
        .batch_execute(&format!("ALTER DATABASE {db} SET role = {dbo}"))
        .expect("the owner may set it");
    // The control: a superuser's new session there acts as the owner.
    let acting = |c: &mut postgres::Client| -> String {
        c.query_one("SELECT current_user::text", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(acting(&mut s.db.client_as(&su, "su-pw").unwrap()), dbo);

    let as_su = |args: &[&str], env: &[(&str, &str)]| cli_as(&s, &su, "su-pw", args, env);
    as_su(&["install"], &[]).assert_code(0);
    as_su(&["verify"], &[])
        .assert_code(0)
        .assert_stdout_has(&format!("All {CHECKS} checks pass"));
    let owner: String =
        s.db.client_as(&su, "su-pw")
            .unwrap()
            .query_one(
                "SELECT n.nspowner::regrole::text FROM pg_namespace n WHERE n.nspname = $1",
                &[&s.schema],
            )
            .unwrap()
            .get(0);
    assert_eq!(owner, format!("{}_owner", s.schema));

    // Asked for by the client: honoured, so verify runs as the owner, who may not read the
    // store, and says so.
    let options = format!("-c role={dbo}");
    let r = as_su(&["verify"], &[("PGOPTIONS", options.as_str())]);
    r.assert_code(4);
    assert!(
        r.stderr
            .contains(&format!("the connected role {dbo} lacks USAGE on schema")),
        "{r}"
    );
    as_su(&["uninstall", "--yes"], &[]).assert_code(0);
}

/// Someone who holds the owner role (a drift `role.owner.members` reports, but only once it
/// has happened) attaches code to the store's own tables: a CHECK constraint and an expression
/// index on the session table, triggers on it and on install_history. The tool's own writes
/// never run that code as the tool: the checks exercise a scratch table of the contract's
/// shape (not a copy LIKE the live one, which would carry the constraint and the index), and
/// install's history row and sweep's DELETE are written as the owner role.
#[test]
fn code_attached_to_the_stores_tables_never_runs_as_the_tool() {
    let (s, attacker) = hostile("planted_attached");
    s.cli(&["install"]).assert_code(0);
    let owner = format!("{}_owner", s.schema);
    s.sql(&format!("GRANT {owner} TO {attacker}"));
    let attach = format!(
        "SET ROLE {owner};
         CREATE TRIGGER planted_del AFTER DELETE ON {schema}.session
             FOR EACH ROW EXECUTE FUNCTION public.planted_trg();",
        schema = s.schema
    );
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        &format!(
            "CREATE FUNCTION public.planted_check(t text) RETURNS boolean LANGUAGE plpgsql
                 AS $f$ BEGIN {check} RETURN true; END $f$;
             CREATE FUNCTION public.planted_index(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE
                 AS $f$ BEGIN PERFORM pg_catalog.nextval('public.planted_hits'); RETURN t; END $f$;
             CREATE FUNCTION public.planted_trg() RETURNS trigger LANGUAGE plpgsql
                 AS $f$ BEGIN {trigger} RETURN NULL; END $f$;
             SET ROLE {owner};
             ALTER TABLE {schema}.session ADD CONSTRAINT planted CHECK (public.planted_check(sess_id));
             CREATE INDEX planted_idx ON {schema}.session (public.planted_index(sess_data));
             CREATE TRIGGER planted_hist AFTER INSERT ON {schema}.install_history
                 FOR EACH ROW EXECUTE FUNCTION public.planted_trg();
             {attach}",
            check = payload("check"),
            trigger = payload("trigger"),
            schema = s.schema,
        ),
    );
    // The control: a write by the superuser runs all of it as the superuser.
    let before = hits(&s);
    s.sql("INSERT INTO {schema}.session VALUES ('control', 'x', now() + interval '1 hour')");
    s.sql("DELETE FROM {schema}.session WHERE sess_id = 'control'");
    assert!(
        hits(&s) >= before + 3,
        "the control: check, index and trigger ran"
    );
    let superuser: String = s.db.query_strings("SELECT current_user")[0].clone();
    assert_eq!(
        log(&s),
        [format!("{superuser}:check"), format!("{superuser}:trigger")],
        "the control"
    );
    clear_log(&s);

    // verify writes only its scratch table: nothing planted runs.
    let before = hits(&s);
    s.cli(&["verify"]).assert_code(1);
    s.cli(&["status"]).assert_code(0);
    assert_eq!(hits(&s), before, "planted code ran during verify or status");
    assert_eq!(log(&s), Vec::<String>::new());

    // install repairs (drops the foreign trigger on the session table) and writes its history
    // row as the owner; sweep deletes as the owner.
    s.cli(&["install"]).assert_code(0);
    // install revoked the membership (role.owner.members); the attacker is given it again.
    s.sql(&format!("GRANT {owner} TO {attacker}"));
    sql_as(&s, &attacker, "attacker-pw", &attach);
    s.sql("SELECT {schema}.set_session_data('old', 'x', now() - interval '1 hour')");
    s.sql("ALTER TABLE {schema}.session DISABLE TRIGGER delete_expired_trig");
    s.sql("INSERT INTO {schema}.session VALUES ('old2', 'x', now() - interval '1 hour')");
    s.sql("ALTER TABLE {schema}.session ENABLE TRIGGER delete_expired_trig");
    clear_log(&s);
    let swept = s.cli(&["sweep"]);
    swept.assert_code(0);
    assert!(swept.stdout.contains("Swept 1 expired session"), "{swept}");
    let log = log(&s);
    assert!(
        !log.is_empty(),
        "sweep's DELETE fired the planted trigger (as the owner)"
    );
    assert!(
        log.iter().all(|l| l.starts_with(&format!("{owner}:"))),
        "planted code ran as someone other than the owner role: {log:?}"
    );
}

/// How often planted code ran as a superuser (`planted_rewrite`'s functions count it).
fn superuser_hits(s: &Store) -> i64 {
    s.db.query_strings(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.superuser_hits",
    )[0]
    .parse()
    .unwrap()
}

/// Code attached to the session table by someone holding the owner role (a CHECK constraint,
/// an expression index with a predicate, through functions of the attacker's own) runs
/// whenever the table is rewritten or scanned: a column's type changed, a key or index
/// built. The control shows that such a rewrite by the superuser runs it as the superuser.
/// install never reaches it: table.constraints drops it first, as the owner role, and the
/// steps that rewrite or scan the table run as the owner role too (catalog::OWNER_MARKER), so
/// that whatever is left would run with no more than that role's privileges. The table is
/// first given to a superuser, so table.owner must hand it back before those steps can run
/// as the owner (they could not otherwise: this test fails if they run before it).
#[test]
fn a_rewrite_of_the_session_table_never_runs_planted_code() {
    let (s, attacker) = hostile("planted_rewrite");
    s.sql(
        "CREATE SEQUENCE public.superuser_hits;
         GRANT USAGE ON SEQUENCE public.superuser_hits TO PUBLIC;",
    );
    s.cli(&["install"]).assert_code(0);
    s.sql("SELECT {schema}.set_session_data('live', 'kept', now() + interval '1 hour')");
    // Drift that makes install run every step that runs as the owner role, made before the
    // plant (a rewrite by the superuser now would run it).
    s.sql(
        "ALTER TABLE {schema}.session ALTER COLUMN sess_id TYPE varchar, ALTER COLUMN sess_data TYPE varchar;
         ALTER TABLE {schema}.session DROP CONSTRAINT session_pkey;
         DROP INDEX {schema}.expire_idx;
         DROP TRIGGER delete_expired_trig ON {schema}.session;
         ALTER TABLE {schema}.session ENABLE ROW LEVEL SECURITY;",
    );
    let owner = format!("{}_owner", s.schema);
    s.sql(&format!("GRANT {owner} TO {attacker}"));
    let counted = "PERFORM pg_catalog.nextval('public.planted_hits');
        IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
            PERFORM pg_catalog.nextval('public.superuser_hits');
        END IF;";
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        &format!(
            "CREATE FUNCTION public.planted_check(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                 AS $f$ BEGIN {counted} RETURN true; END $f$;
             CREATE FUNCTION public.planted_index(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE
                 AS $f$ BEGIN {counted} RETURN t; END $f$;
             CREATE FUNCTION public.planted_pred(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                 AS $f$ BEGIN {counted} RETURN true; END $f$;
             SET ROLE {owner};
             ALTER TABLE {schema}.session ADD CONSTRAINT planted CHECK (public.planted_check(sess_id));
             CREATE INDEX planted_idx ON {schema}.session (public.planted_index(sess_data))
                 WHERE public.planted_pred(sess_id);",
            schema = s.schema,
        ),
    );
    let superuser: String = s.db.query_strings("SELECT current_user")[0].clone();
    s.sql(&format!(
        "ALTER TABLE {{schema}}.session OWNER TO {superuser}"
    ));

    // The control: the same rewrite by the superuser runs the plant as the superuser.
    let before = superuser_hits(&s);
    s.sql(
        "BEGIN;
         ALTER TABLE {schema}.session ALTER COLUMN sess_data TYPE text;
         ROLLBACK;",
    );
    assert!(
        superuser_hits(&s) > before,
        "the control: a rewrite by the superuser runs the plant as the superuser"
    );

    let (hits_before, super_before) = (hits(&s), superuser_hits(&s));
    let run = s.cli(&["install"]);
    run.assert_code(0);
    for step in [
        "table.owner",
        "table.constraints",
        "column.sess_id",
        "column.sess_data",
        "primary_key",
        "expire_idx",
        "table.attached",
        "trigger",
    ] {
        assert!(run.stdout.contains(step), "{step} did not run: {run}");
    }
    assert_eq!(
        (hits(&s), superuser_hits(&s)),
        (hits_before, super_before),
        "planted code ran during install (all runs, runs as a superuser): {run}"
    );
    assert_eq!(
        s.db.query_strings(&s.render(
            "SELECT count(*)::text FROM pg_catalog.pg_class
              WHERE relname = 'planted_idx' AND relnamespace = '{schema}'::regnamespace
             UNION ALL
             SELECT count(*)::text FROM pg_catalog.pg_constraint
              WHERE conname = 'planted' AND conrelid = '{schema}.session'::regclass"
        )),
        ["0", "0"],
        "table.constraints dropped the planted index and CHECK"
    );
    assert_eq!(
        s.db.query_strings(&format!("SELECT {}.get_session_data('live')", s.schema)),
        ["kept"]
    );
}

/// What a planted function runs first when the test must know whether a superuser ran it:
/// counts every run, and every run as a superuser apart (`superuser_hits`). Sequences only:
/// an IMMUTABLE function may not insert.
const COUNTED: &str = "PERFORM pg_catalog.nextval('public.planted_hits');
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        PERFORM pg_catalog.nextval('public.superuser_hits');
    END IF;";

/// A hostile database with an installed store, a live session, `public.superuser_hits`, and
/// the attacker holding the owner role (as someone could before install revokes it).
fn owner_attacker(hint: &str) -> (Store, String) {
    let (s, attacker) = hostile(hint);
    s.sql(
        "CREATE SEQUENCE public.superuser_hits;
         GRANT USAGE ON SEQUENCE public.superuser_hits TO PUBLIC;",
    );
    s.cli(&["install"]).assert_code(0);
    s.sql("SELECT {schema}.set_session_data('live', 'kept', now() + interval '1 hour')");
    s.sql(&format!("GRANT {} TO {attacker}", s.owner));
    (s, attacker)
}

/// Runs each command with its expected exit code and asserts after each that no planted code
/// ran as a superuser.
fn never_as_superuser(s: &Store, runs: &[(&[&str], i32)]) {
    for (args, code) in runs {
        let before = superuser_hits(s);
        let r = s.cli(args);
        assert_eq!(
            superuser_hits(s),
            before,
            "planted code ran as a superuser during {args:?}\n{r}"
        );
        r.assert_code(*code);
    }
}

/// Someone holding the owner role replaces the session table and install_history by views
/// (the tables renamed, so nothing is lost) whose rows pass through a function of theirs.
/// Reading such a view as the superuser would run it as the superuser: status, uninstall
/// (dry run or not), install, verify and sweep read neither view's rows as one. status says
/// the table is not the store's; install, uninstall and sweep refuse (exit 4).
#[test]
fn a_view_in_place_of_the_stores_table_is_never_read_as_a_superuser() {
    let (s, attacker) = owner_attacker("planted_view");
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        &format!(
            "CREATE FUNCTION public.planted_fn() RETURNS boolean LANGUAGE plpgsql
                 AS $f$ BEGIN {COUNTED} RETURN true; END $f$;
             SET ROLE {owner};
             ALTER TABLE {schema}.session RENAME TO session_real;
             CREATE VIEW {schema}.session AS
                 SELECT * FROM {schema}.session_real WHERE public.planted_fn();
             ALTER TABLE {schema}.install_history RENAME TO history_real;
             CREATE VIEW {schema}.install_history AS
                 SELECT * FROM {schema}.history_real WHERE public.planted_fn();",
            owner = s.owner,
            schema = s.schema
        ),
    );
    // The control: a superuser reading either view runs the plant as the superuser.
    for view in ["session", "install_history"] {
        let before = superuser_hits(&s);
        s.sql(&format!("SELECT count(*) FROM {{schema}}.{view}"));
        assert!(superuser_hits(&s) > before, "the control: {view}");
    }
    let before = s.db.snapshot();
    never_as_superuser(
        &s,
        &[
            (&["status"], 0),
            (&["verify"], 1),
            (&["uninstall", "--dry-run"], 4),
            (&["uninstall", "--yes"], 4),
            // Not a table: install refuses before any step, the dry run too.
            (&["install", "--dry-run"], 4),
            (&["install"], 4),
            (&["sweep"], 4),
        ],
    );
    assert_eq!(s.db.snapshot(), before, "something changed");
    let schema = &s.schema;
    s.cli(&["status"])
        .assert_stdout_has(&format!(
            "sessions    unknown: {schema}.session is a view, not the store's table"
        ))
        .assert_stdout_has(&format!(
            "last change unknown: {schema}.install_history is a view, not the store's table"
        ));
    s.cli(&["install"]).assert_stderr_has(&format!(
        "{schema}.session is a view, not a table: install does not replace what is not the store's"
    ));
    s.cli(&["sweep"]).assert_stderr_has(&format!(
        "{schema}.session is a view, not the store's table"
    ));
}

/// Someone holding the owner role gives the session table's columns types of their own,
/// with casts of their own (casts are global: whoever owns a type may cast it, even
/// implicitly, to timestamptz or text), drops the key, and adds an expression index whose
/// constant part the planner folds (it evaluates an IMMUTABLE function of constants when it
/// loads the index, as whoever plans the query) and a forced row-level security policy. The
/// controls show each runs as the superuser who reads the table; status, verify, the
/// uninstall dry run, install's preflight and sweep read it as the owner role only, and
/// install repairs it. Row-level security never applies to a superuser at all.
#[test]
fn planted_types_casts_and_index_expressions_on_the_session_table_never_run_as_a_superuser() {
    let (s, attacker) = owner_attacker("planted_types");
    let (schema, owner) = (&s.schema, &s.owner);
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        &format!(
            "CREATE TYPE public.planted_ts AS (t timestamptz);
             CREATE FUNCTION public.planted_ts_cast(v public.planted_ts) RETURNS timestamptz
                 LANGUAGE plpgsql AS $f$ BEGIN {COUNTED} RETURN v.t; END $f$;
             CREATE CAST (public.planted_ts AS timestamptz)
                 WITH FUNCTION public.planted_ts_cast(public.planted_ts) AS IMPLICIT;
             CREATE TYPE public.planted_id AS (t text);
             CREATE FUNCTION public.planted_id_cast(v public.planted_id) RETURNS text
                 LANGUAGE plpgsql AS $f$ BEGIN {COUNTED} RETURN v.t; END $f$;
             CREATE CAST (public.planted_id AS text)
                 WITH FUNCTION public.planted_id_cast(public.planted_id) AS IMPLICIT;
             CREATE FUNCTION public.planted_const() RETURNS text LANGUAGE plpgsql IMMUTABLE
                 AS $f$ BEGIN {COUNTED} RETURN 'x'; END $f$;
             CREATE FUNCTION public.planted_policy() RETURNS boolean LANGUAGE plpgsql
                 AS $f$ BEGIN {COUNTED} RETURN true; END $f$;
             SET ROLE {owner};
             ALTER TABLE {schema}.session DROP CONSTRAINT session_pkey;
             ALTER TABLE {schema}.session ALTER expiration DROP DEFAULT;
             ALTER TABLE {schema}.session
                 ALTER expiration TYPE public.planted_ts USING ROW(expiration),
                 ALTER sess_id TYPE public.planted_id USING ROW(sess_id);
             CREATE INDEX planted_idx ON {schema}.session ((sess_data || public.planted_const()));
             CREATE POLICY planted ON {schema}.session USING (public.planted_policy());
             ALTER TABLE {schema}.session ENABLE ROW LEVEL SECURITY;"
        ),
    );
    // The controls, each in a new session (the planner folds the index's constant once per
    // session): the comparison status makes, the cast the duplicate-id look makes, and any
    // query that plans a scan of the table.
    for (what, sql) in [
        (
            "implicit cast",
            "SELECT count(*) FROM {schema}.session WHERE expiration < now()",
        ),
        (
            "explicit cast",
            "SELECT sess_id::text FROM {schema}.session",
        ),
        ("index constant", "SELECT count(*) FROM {schema}.session"),
    ] {
        let before = superuser_hits(&s);
        s.sql(sql);
        assert!(superuser_hits(&s) > before, "the control: {what}");
    }
    // Row-level security: the owner role is held to a forced policy, a superuser never.
    s.sql("ALTER TABLE {schema}.session FORCE ROW LEVEL SECURITY");
    let (hits_before, super_before) = (hits(&s), superuser_hits(&s));
    s.sql(&format!(
        "BEGIN; SET LOCAL ROLE {owner}; SELECT count(*) FROM {{schema}}.session; ROLLBACK;"
    ));
    assert!(hits(&s) > hits_before, "the control: the policy is live");
    assert_eq!(superuser_hits(&s), super_before);
    s.sql("SELECT count(*) FROM {schema}.session WHERE sess_data IS NOT NULL");
    assert_eq!(
        superuser_hits(&s),
        super_before + 1,
        "a superuser's read folds the index's constant, and runs no policy"
    );
    s.sql("ALTER TABLE {schema}.session NO FORCE ROW LEVEL SECURITY");

    never_as_superuser(
        &s,
        &[
            (&["status"], 0),
            (&["verify"], 1),
            (&["uninstall", "--dry-run"], 4),
            (&["install", "--dry-run"], 0),
            (&["sweep"], 0),
            (&["install"], 0),
            (&["verify"], 0),
            (&["status"], 0),
        ],
    );
    assert_eq!(
        s.db.query_strings(&s.render("SELECT {schema}.get_session_data('live')")),
        ["kept"]
    );
    // Row-level security forced on the table keeps the owner role from reading its rows
    // (row_security is off in the tool's session): install, its key lost, plans without the
    // duplicate-id look, and uninstall drops the store without the count.
    assert_eq!(
        s.db.query_strings(
            &s.render("SELECT pg_catalog.to_regclass('{schema}.planted_idx')::text IS NULL")
        ),
        ["t"],
        "install dropped the planted expression index (table.constraints)"
    );
    s.sql(
        "ALTER TABLE {schema}.session DROP CONSTRAINT session_pkey;
         ALTER TABLE {schema}.session ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY",
    );
    s.cli(&["install", "--dry-run"])
        .assert_code(0)
        .assert_stdout_has("-- step primary_key");
    let dry = s.cli(&["uninstall", "--dry-run"]);
    dry.assert_code(0)
        .assert_stdout_has(&format!("Would drop schema {schema}:"));
    never_as_superuser(&s, &[(&["uninstall", "--yes"], 0)]);
}

/// verify reads no session, but pgTAP's col_default_is runs a column default that does not
/// look like a function call (it EXECUTEs `SELECT is(<default>::<type>, ...)`), and the
/// behaviour checks' scratch copies took the live functions' arguments, defaults included.
/// Someone holding the owner role sets such a default on expiration and gives
/// count_sessions (its body unchanged) a parameter whose default is theirs: verify and status
/// run neither as a superuser.
#[test]
fn defaults_planted_on_the_store_are_never_evaluated_by_the_checks() {
    let (s, attacker) = owner_attacker("planted_defaults");
    let (schema, owner) = (&s.schema, &s.owner);
    let body = s.db.query_strings(&s.render(
        "SELECT prosrc FROM pg_proc WHERE oid = '{schema}.count_sessions()'::regprocedure",
    ));
    sql_as(
        &s,
        &attacker,
        "attacker-pw",
        &format!(
            "CREATE FUNCTION public.planted_text() RETURNS text LANGUAGE plpgsql
                 AS $f$ BEGIN {COUNTED} RETURN 'x'; END $f$;
             CREATE FUNCTION public.planted_int() RETURNS integer LANGUAGE plpgsql
                 AS $f$ BEGIN {COUNTED} RETURN 1; END $f$;
             SET ROLE {owner};
             ALTER TABLE {schema}.session ALTER expiration DROP DEFAULT;
             ALTER TABLE {schema}.session ALTER expiration TYPE text;
             ALTER TABLE {schema}.session ALTER expiration SET DEFAULT 'x' || public.planted_text();
             DROP FUNCTION {schema}.count_sessions();
             CREATE FUNCTION {schema}.count_sessions(planted integer DEFAULT public.planted_int())
                 RETURNS integer LANGUAGE plpgsql STABLE SECURITY DEFINER
                 SET search_path = {schema}, pg_temp AS $body${}$body$;",
            body[0]
        ),
    );
    // The controls: the default as pgTAP runs it, and the function as the checks called it.
    for (what, sql) in [
        (
            "the column default",
            "DO $d$ BEGIN EXECUTE 'SELECT ' || (SELECT pg_get_expr(d.adbin, d.adrelid)
                FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
               WHERE d.adrelid = '{schema}.session'::regclass AND a.attname = 'expiration'); END $d$",
        ),
        // Its body then fails on the text column, after the default ran.
        (
            "the parameter default",
            "DO $d$ BEGIN PERFORM {schema}.count_sessions(); EXCEPTION WHEN OTHERS THEN NULL; END $d$",
        ),
    ] {
        let before = superuser_hits(&s);
        s.sql(sql);
        assert!(superuser_hits(&s) > before, "the control: {what}");
    }
    never_as_superuser(&s, &[(&["verify"], 1), (&["status"], 0)]);
    let failing = crate::support::failing_checks(&s.cli(&["verify"]));
    for check in ["column.expiration.default", "behaviour.count"] {
        assert!(failing.iter().any(|c| c == check), "{check}: {failing:?}");
    }
}
