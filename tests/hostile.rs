//! Issue 6: the application role is handed to a web application that may be compromised.
//! These tests log in as it and try to get out of its five functions: touch the table, change
//! the functions, plant objects that the SECURITY DEFINER functions might resolve instead of
//! the real ones, gain rights, read what is not theirs. Every attempt must fail, and planted
//! code must never run with the owner's rights: the planted objects record `current_user` in
//! a log table, in a custom setting and in a notice, and the tests read all three.
//!
//! Then the other half of the contract with a hostile client: whatever text it passes (huge,
//! empty, quotes, backslashes, control characters, non-ASCII, SQL) is stored and returned
//! unchanged.
//!
//! The schema is `web` (so the pinned search_path reads `web, pg_temp` as in the contract); the
//! application role is named after the database, since roles are cluster-wide.

use std::time::{Duration, SystemTime};

use postgres::error::SqlState;
use postgres::Client;

use crate::support::Store;

/// The store in the default schema `web`, installed, the application role with a password.
fn installed(hint: &str) -> Store {
    Store::in_default_schema(hint).installed().with_password()
}

/// Runs `sql` as the application role and asserts that the server refused it with `code`. The
/// transaction an attempt may have opened is rolled back, so the next attempt starts clean.
#[track_caller]
fn refused_with(app: &mut Client, code: &SqlState, sql: &str) {
    let result = app.batch_execute(sql);
    let _ = app.batch_execute("ROLLBACK");
    match result {
        Ok(()) => panic!("the application role was allowed: {sql}"),
        Err(e) => assert_eq!(
            e.code(),
            Some(code),
            "{sql}: refused, but not as expected: {}",
            crate::support::pg_error(&e)
        ),
    }
}

/// The first column of every row, as text, over the simple query protocol.
fn strings(client: &mut Client, sql: &str) -> Vec<String> {
    client
        .simple_query(sql)
        .unwrap_or_else(|e| panic!("{sql}: {}", crate::support::pg_error(&e)))
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or("NULL").to_string()),
            _ => None,
        })
        .collect()
}

#[track_caller]
fn denied(app: &mut Client, sql: &str) {
    refused_with(app, &SqlState::INSUFFICIENT_PRIVILEGE, sql);
}

/// The catalog state that must not change, whatever the application role tries: the schema's
/// objects, their owners and ACLs, and the roles' attributes and memberships.
fn guarded_state(h: &Store) -> Vec<String> {
    h.db.query_strings(&format!(
        "SELECT format('%s owner=%s acl=%s', c.oid::regclass, c.relowner::regrole, c.relacl)
           FROM pg_class c WHERE c.relnamespace = 'web'::regnamespace
         UNION ALL
         SELECT format('%s owner=%s acl=%s config=%s definer=%s body=%s', p.oid::regprocedure,
                       p.proowner::regrole, p.proacl, p.proconfig, p.prosecdef, md5(p.prosrc))
           FROM pg_proc p WHERE p.pronamespace = 'web'::regnamespace
         UNION ALL
         SELECT format('schema owner=%s acl=%s', nspowner::regrole, nspacl)
           FROM pg_namespace WHERE nspname = 'web'
         UNION ALL
         SELECT format('role %s super=%s createrole=%s createdb=%s login=%s bypassrls=%s repl=%s',
                       rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls, rolreplication)
           FROM pg_roles WHERE rolname IN ('{r}', 'web_owner')
         UNION ALL
         SELECT format('member %s of %s', member::regrole, roleid::regrole)
           FROM pg_auth_members WHERE member IN ('{r}'::regrole, 'web_owner'::regrole)
         UNION ALL
         SELECT format('trigger %s enabled=%s', tgname, tgenabled) FROM pg_trigger
          WHERE tgrelid = 'web.session'::regclass AND NOT tgisinternal
         ORDER BY 1",
        r = h.role
    ))
}

/// Runs each of `statements`, rendered with the store's names, as the application role: every
/// one must be refused for lack of privilege, and the guarded state must be the same after.
#[track_caller]
fn all_denied(h: &Store, statements: &[&str]) {
    let before = guarded_state(h);
    let (mut app, _) = h.app();
    for sql in statements {
        denied(&mut app, &h.render(sql));
    }
    assert_eq!(before, guarded_state(h));
}

#[test]
fn the_application_role_cannot_touch_the_table() {
    all_denied(
        &installed("hostile_table"),
        &[
            "SELECT * FROM web.session",
            "SELECT sess_id FROM web.session",
            "INSERT INTO web.session VALUES ('x', 'y', NULL)",
            "UPDATE web.session SET sess_data = 'z'",
            "DELETE FROM web.session",
            "TRUNCATE web.session",
            "COPY web.session TO STDOUT",
            "COPY web.session FROM STDIN",
            "BEGIN; LOCK TABLE web.session IN ACCESS SHARE MODE",
            "BEGIN; LOCK TABLE web.session IN ACCESS EXCLUSIVE MODE",
            "SELECT * FROM web.session FOR UPDATE",
            "ALTER TABLE web.session DISABLE TRIGGER delete_expired_trig",
            "ALTER TABLE web.session ADD COLUMN stolen text",
            "CREATE TRIGGER planted AFTER INSERT ON web.session FOR EACH ROW EXECUTE FUNCTION web.remove_expired()",
            "CREATE POLICY planted ON web.session USING (true)",
            "CREATE INDEX planted ON web.session (sess_data)",
            "DROP TABLE web.session",
            "COMMENT ON TABLE web.session IS 'pwned'",
            "GRANT SELECT ON web.session TO PUBLIC",
            // The trigger function, called directly.
            "SELECT web.remove_expired()",
            // session_replication_role = replica would switch the expiry trigger off.
            "SET session_replication_role = replica",
        ],
    );
}

#[test]
fn the_application_role_cannot_change_or_add_to_the_schema() {
    all_denied(
        &installed("hostile_schema"),
        &[
            "CREATE TABLE web.planted (x int)",
            "CREATE VIEW web.everything AS SELECT 1",
            "CREATE SEQUENCE web.planted",
            "CREATE FUNCTION web.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            // Replace a definer function's body with one that lists every session.
            "CREATE OR REPLACE FUNCTION web.get_session_data(sessid text) RETURNS SETOF text
                 LANGUAGE sql SECURITY DEFINER AS 'SELECT sess_id FROM web.session'",
            "ALTER FUNCTION web.get_session_data(text) SET search_path = public, pg_temp",
            "ALTER FUNCTION web.get_session_data(text) RESET search_path",
            "ALTER FUNCTION web.count_sessions() SECURITY INVOKER",
            "DROP FUNCTION web.clear_sessions()",
            "COMMENT ON FUNCTION web.count_sessions() IS 'pwned'",
            "COMMENT ON SCHEMA web IS 'pwned'",
            "GRANT EXECUTE ON FUNCTION web.remove_expired() TO PUBLIC",
            "ALTER DEFAULT PRIVILEGES FOR ROLE web_owner GRANT SELECT ON TABLES TO PUBLIC",
            "ALTER SCHEMA web RENAME TO old_web",
            "REASSIGN OWNED BY web_owner TO CURRENT_USER",
            "DROP OWNED BY web_owner",
            "ALTER FUNCTION web.count_sessions() OWNER TO {role}",
        ],
    );
}

#[test]
fn the_application_role_cannot_gain_rights() {
    let h = installed("hostile_rights");
    // A live superuser session for the application to try to kill.
    let mut admin = h.db.client();
    let superuser_pid: i32 = admin
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0);
    let terminate = format!("SELECT pg_terminate_backend({superuser_pid})");
    let cancel = format!("SELECT pg_cancel_backend({superuser_pid})");
    all_denied(
        &h,
        &[
            "CREATE ROLE {role}_minion LOGIN SUPERUSER",
            "CREATE ROLE {role}_minion",
            "GRANT web_owner TO {role}",
            "GRANT postgres TO {role}",
            "GRANT pg_read_server_files TO {role}",
            "ALTER ROLE {role} SUPERUSER",
            "ALTER ROLE {role} CREATEROLE",
            "ALTER ROLE {role} BYPASSRLS",
            "ALTER ROLE web_owner LOGIN PASSWORD 'owner-pw'",
            "SET ROLE web_owner",
            "SET ROLE postgres",
            "SET SESSION AUTHORIZATION postgres",
            "SET SESSION AUTHORIZATION web_owner",
            "CREATE SCHEMA {role}_own",
            "CREATE DATABASE hostile_db",
            "CREATE EXTENSION dblink",
            "CREATE EVENT TRIGGER planted ON ddl_command_start EXECUTE FUNCTION web.remove_expired()",
            "ALTER SYSTEM SET log_statement = 'none'",
            "SET log_statement = 'none'",
            "SELECT pg_reload_conf()",
            &terminate,
            &cancel,
        ],
    );
    assert!(
        admin.simple_query("SELECT 1").is_ok(),
        "the superuser session survived"
    );
    assert_eq!(
        h.db.query_strings(
            &h.render("SELECT count(*) FROM pg_roles WHERE rolname LIKE '{role}_minion%'")
        ),
        ["0"]
    );
}

#[test]
fn the_application_role_cannot_read_what_is_not_its_own() {
    let h = installed("hostile_read");
    let dblink =
        h.db.query_strings("SELECT count(*) FROM pg_available_extensions WHERE name = 'dblink'")
            == ["1"];
    h.db.client()
        .batch_execute(&format!(
            "CREATE SCHEMA billing;
             CREATE TABLE billing.cards (number text);
             INSERT INTO billing.cards VALUES ('4111 1111 1111 1111');
             CREATE TABLE public.secrets (s text);
             INSERT INTO public.secrets VALUES ('s3cret');
             CREATE SEQUENCE public.invoice_no;
             {}",
            if dblink {
                "CREATE EXTENSION dblink;"
            } else {
                ""
            }
        ))
        .expect("set up other applications' data");
    let statements = [
        "SELECT * FROM billing.cards",
        "SELECT * FROM public.secrets",
        "SELECT nextval('public.invoice_no')",
        "SELECT setval('public.invoice_no', 1000)",
        "SELECT * FROM pg_authid",
        "SELECT rolpassword FROM pg_authid",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT pg_read_binary_file('global/pg_control')",
        "SELECT pg_ls_dir('.')",
        "SELECT lo_import('/etc/passwd')",
        "COPY public.secrets TO '/tmp/stolen'",
        "CREATE TEMP TABLE loot (x text); COPY loot FROM PROGRAM 'id'",
    ];
    all_denied(&h, &statements);
    let (mut app, _) = h.app();
    if dblink {
        denied(
            &mut app,
            "SELECT dblink_connect_u('loop', 'dbname=postgres user=postgres')",
        );
        // The safe variant insists on a password the role does not have: no loopback
        // connection as the superuser or the owner.
        for user in ["postgres", "web_owner"] {
            let sql = format!(
                "SELECT dblink_connect('loop', 'host=127.0.0.1 port={} dbname={} user={user}')",
                h.db.cluster().port(),
                h.db.name()
            );
            assert!(app.batch_execute(&sql).is_err(), "{sql}");
        }
        let links: Vec<String> = strings(
            &mut app,
            "SELECT coalesce(array_length(dblink_get_connections(), 1), 0)::text",
        );
        assert_eq!(links, ["0"]);
    }
}

/// The planted objects' side effects: rows in public.hijack_log (who = current_user), a
/// custom setting per planted object, a notice.
const PLANT: &str = r#"
CREATE TABLE public.hijack_log (what text, who text);
GRANT INSERT, SELECT ON public.hijack_log TO PUBLIC;
CREATE FUNCTION public.hijack_note(what text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO public.hijack_log VALUES (what, current_user);
    PERFORM pg_catalog.set_config('hijack.' || what, current_user, false);
    RAISE NOTICE 'hijack: % ran as %', what, current_user;
END
$f$;
GRANT EXECUTE ON FUNCTION public.hijack_note(text) TO PUBLIC;

-- now(): a clock in 1990 would make every session look unexpired.
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.hijack_note('public_now'); RETURN '1990-01-01 00:00:00+00'; END $f$;
CREATE FUNCTION pg_temp.now() RETURNS timestamptz LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.hijack_note('temp_now'); RETURN '1990-01-01 00:00:00+00'; END $f$;

-- The operators the function bodies use: = on text, < and >= on timestamptz.
CREATE FUNCTION public.hijack_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.hijack_note('public_eq'); RETURN pg_catalog.texteq(a, b); END $f$;
CREATE OPERATOR public.= (leftarg = text, rightarg = text, function = public.hijack_eq);
CREATE FUNCTION public.hijack_lt(a timestamptz, b timestamptz) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.hijack_note('public_lt'); RETURN false; END $f$;
CREATE OPERATOR public.< (leftarg = timestamptz, rightarg = timestamptz, function = public.hijack_lt);
CREATE FUNCTION public.hijack_ge(a timestamptz, b timestamptz) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.hijack_note('public_ge'); RETURN true; END $f$;
CREATE OPERATOR public.>= (leftarg = timestamptz, rightarg = timestamptz, function = public.hijack_ge);
CREATE FUNCTION pg_temp.hijack_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.hijack_note('temp_eq'); RETURN true; END $f$;
CREATE OPERATOR pg_temp.= (leftarg = text, rightarg = text, function = pg_temp.hijack_eq);

-- count(*) as an aggregate of our own.
CREATE FUNCTION public.hijack_count(n bigint) RETURNS bigint LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.hijack_note('public_count'); RETURN n + 1000; END $f$;
CREATE AGGREGATE public.count(*) (sfunc = public.hijack_count, stype = bigint, initcond = '0');

-- Tables named like the session table, one in public and one temporary, each holding a row
-- for the id the test uses, writable by anyone, and logging every write.
CREATE FUNCTION public.hijack_write() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM public.hijack_note(CASE WHEN TG_TABLE_SCHEMA LIKE 'pg_temp%' THEN 'temp' ELSE TG_TABLE_SCHEMA END
                               || '_session_' || lower(TG_OP));
    RETURN NULL;
END $f$;
CREATE TABLE public.session (sess_id text PRIMARY KEY, sess_data text, expiration timestamptz);
INSERT INTO public.session VALUES ('victim', 'planted in public', NULL);
GRANT ALL ON public.session TO PUBLIC;
CREATE TRIGGER hijack AFTER INSERT OR UPDATE OR DELETE ON public.session
    FOR EACH ROW EXECUTE FUNCTION public.hijack_write();
CREATE TEMP TABLE session (sess_id text PRIMARY KEY, sess_data text, expiration timestamptz);
INSERT INTO pg_temp.session VALUES ('victim', 'planted in pg_temp', NULL);
GRANT ALL ON pg_temp.session TO PUBLIC;
CREATE TRIGGER hijack AFTER INSERT OR UPDATE OR DELETE ON pg_temp.session
    FOR EACH ROW EXECUTE FUNCTION public.hijack_write();

-- The most hostile search path: temporary objects first, then public, pg_catalog last.
SET search_path = pg_temp, public, web, pg_catalog;
"#;

#[test]
fn planted_objects_never_run_with_the_owners_rights() {
    let h = installed("hostile_plant");
    // PostgreSQL 14 and older let every role create objects in public; 15 and later do not,
    // unless an administrator granted it. Grant it, so the test means the same everywhere.
    h.db.client()
        .batch_execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
        .expect("grant create on public");
    let before = guarded_state(&h);
    let (mut app, notices) = h.app();
    app.batch_execute(PLANT)
        .expect("the application role plants its objects");

    // Control: where the application's own queries resolve names, the planted objects run
    // (as the application role). So they are live, and only the functions' pinned
    // search_path keeps them out.
    let control = app
        .query_one("SELECT now() = '1990-01-01 00:00:00+00'::timestamptz", &[])
        .expect("control");
    assert!(
        control.get::<_, bool>(0),
        "the planted now() runs for the application itself"
    );
    app.batch_execute(
        "SELECT 'a'::text = 'a'::text; SELECT pg_temp.now(); SELECT count(*) FROM pg_class",
    )
    .expect("control");
    let sessions: Vec<String> = strings(&mut app, "SELECT sess_data FROM session");
    assert_eq!(
        sessions,
        ["planted in pg_temp"],
        "the application itself sees the temp table first"
    );

    // The store, used through the same session.
    let far = "2100-01-01 00:00:00+00";
    let past = "2000-01-01 00:00:00+00";
    for (id, data, expire) in [
        ("victim", "real", Some(far)),
        ("stale", "old", Some(past)),
        ("forever", "kept", None),
    ] {
        app.execute(
            "SELECT web.set_session_data($1, $2, $3::text::pg_catalog.timestamptz)",
            &[&id, &data, &expire],
        )
        .expect("set_session_data");
    }
    let get = |app: &mut Client, id: &str| -> Vec<String> {
        app.query("SELECT web.get_session_data($1)", &[&id])
            .expect("get_session_data")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(get(&mut app, "victim"), ["real"]);
    assert!(
        get(&mut app, "stale").is_empty(),
        "expired by the real clock"
    );
    assert_eq!(get(&mut app, "forever"), ["kept"]);
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .expect("count")
        .get(0);
    assert_eq!(count, 2);
    app.execute("SELECT web.destroy_session($1)", &[&"forever"])
        .expect("destroy");
    assert!(get(&mut app, "forever").is_empty());
    app.execute("SELECT web.clear_sessions()", &[])
        .expect("clear");
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .expect("count")
        .get(0);
    assert_eq!(count, 0);

    // What ran, and as whom.
    let log: Vec<String> = strings(
        &mut app,
        "SELECT DISTINCT what || ' as ' || who FROM public.hijack_log ORDER BY 1",
    );
    let me = &h.role;
    assert_eq!(
        log,
        [
            format!("public_count as {me}"),
            format!("public_eq as {me}"),
            format!("public_now as {me}"),
            format!("temp_now as {me}"),
        ],
        "only the application's own control queries may have run planted code"
    );
    for what in [
        "public_lt",
        "public_ge",
        "temp_eq",
        "public_session_insert",
        "temp_session_insert",
        "public_session_delete",
    ] {
        let seen: Vec<String> = strings(
            &mut app,
            &format!("SELECT coalesce(current_setting('hijack.{what}', true), '')"),
        );
        assert_eq!(seen, [""], "planted {what} ran");
    }
    let notices = notices.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert!(
        notices.iter().all(|n| n.ends_with(&format!("as {me}"))),
        "{notices:?}"
    );
    assert!(
        !notices.iter().any(|n| n.contains("web_owner")),
        "{notices:?}"
    );

    // The planted tables were never written; the real one was.
    let sessions: Vec<String> = strings(
        &mut app,
        "SELECT sess_data FROM pg_temp.session UNION ALL SELECT sess_data FROM public.session ORDER BY 1",
    );
    assert_eq!(sessions, ["planted in pg_temp", "planted in public"]);
    assert_eq!(
        h.db.query_strings("SELECT count(*) FROM web.session"),
        ["0"]
    );
    drop(app);
    assert_eq!(before, guarded_state(&h));
    // And the store still passes every check.
    h.db.cli(&["verify", "--role", me]).assert_code(0);
}

#[test]
fn a_search_path_saved_on_the_role_changes_nothing_either() {
    // ALTER ROLE ... SET is something an ordinary role may do to itself: every new session of
    // the application then starts with public before pg_catalog.
    let h = installed("hostile_role_path");
    h.db.client()
        .batch_execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
        .expect("grant");
    let (mut app, _) = h.app();
    app.batch_execute(&format!(
        "CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '1990-01-01'::timestamptz $$;
         ALTER ROLE {} SET search_path = public, web, pg_catalog",
        h.role
    ))
    .expect("an ordinary role may set its own defaults");
    drop(app);
    let (mut app, _) = h.app();
    app.execute(
        "SELECT web.set_session_data('s', 'd', '2000-01-01 00:00:00+00')",
        &[],
    )
    .expect("set");
    assert!(app
        .query("SELECT web.get_session_data('s')", &[])
        .expect("get")
        .is_empty());
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .expect("count")
        .get(0);
    assert_eq!(count, 0);
}

// ---- whatever the client sends comes back unchanged ------------------------------------

/// Deterministic pseudo-random text (xorshift), printable ASCII, so it does not compress.
fn noise(len: usize, mut seed: u64) -> String {
    let mut s = String::with_capacity(len);
    while s.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        s.push(char::from(b' ' + (seed % 95) as u8));
    }
    s
}

#[test]
fn any_text_is_stored_and_returned_unchanged() {
    let h = installed("hostile_data");
    let (mut app, _) = h.app();
    let binary_looking: String = (1u32..=255).filter_map(char::from_u32).collect();
    let megabyte = noise(1 << 20, 0x9E37_79B9_7F4A_7C15);
    let cases: Vec<(String, String)> = vec![
        (String::new(), String::new()),
        ("empty data".into(), String::new()),
        (
            "it's \"quoted\" ''twice''".into(),
            "O'Reilly said \"hi\" '' \"\"".into(),
        ),
        (
            r"C:\path\to\file \\ \n \t \x00 \' E'\\'".into(),
            r"\\\\ trailing backslash \".into(),
        ),
        (
            binary_looking.clone(),
            binary_looking.chars().rev().collect(),
        ),
        (
            "héllo wörld — 日本語 — 🎉 — עברית — e\u{301}".into(),
            "Ünïcödé ✓ \u{FEFF} \u{200B} 𝔘".into(),
        ),
        (
            "'); DELETE FROM web.session; --".into(),
            "$$; DROP TABLE web.session; $$".into(),
        ),
        (
            "%s %n %x {} ${HOME} `id`".into(),
            "\r\n\t line\nbreaks\r".into(),
        ),
        ("big".into(), megabyte.clone()),
        (noise(2000, 7), noise(5000, 11)),
        (
            "json".into(),
            r#"{"cookie":{"originalMaxAge":null,"httpOnly":true},"user":"x\"y"}"#.into(),
        ),
    ];
    let forever: Option<SystemTime> = None;
    let soon = Some(SystemTime::now() + Duration::from_secs(3600));
    for (i, (id, data)) in cases.iter().enumerate() {
        let expire = if i % 2 == 0 { forever } else { soon };
        app.execute(
            "SELECT web.set_session_data($1, $2, $3)",
            &[id, data, &expire],
        )
        .unwrap_or_else(|e| panic!("set {id:?}: {}", crate::support::pg_error(&e)));
    }
    for (id, data) in &cases {
        let back: Vec<String> = app
            .query("SELECT web.get_session_data($1)", &[id])
            .expect("get")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(back.len(), 1, "{id:?}");
        assert!(
            back[0] == *data,
            "{id:?}: data changed on the way ({} bytes in, {} out)",
            data.len(),
            back[0].len()
        );
        // Stored as sent, not just returned as sent: the owner's view of the row.
        let stored: String =
            h.db.client()
                .query_one(
                    "SELECT sess_data FROM web.session WHERE sess_id = $1",
                    &[id],
                )
                .expect("stored row")
                .get(0);
        assert!(stored == *data, "{id:?}: stored differently");
    }
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .expect("count")
        .get(0);
    assert_eq!(count as usize, cases.len());
    // Updating keeps one row per id, whatever the id.
    app.execute(
        "SELECT web.set_session_data($1, $2, NULL)",
        &[&binary_looking, &"updated"],
    )
    .expect("update");
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .expect("count")
        .get(0);
    assert_eq!(count as usize, cases.len());
    for (id, _) in &cases {
        app.execute("SELECT web.destroy_session($1)", &[id])
            .expect("destroy");
    }
    assert_eq!(
        h.db.query_strings("SELECT count(*) FROM web.session"),
        ["0"]
    );
}

#[test]
fn a_session_id_too_large_for_the_index_is_refused_cleanly() {
    // Data may be any size; an id must fit in a btree entry (about 2.7 kB). A 1 MB id is a
    // clean error for that one call, and nothing is stored.
    let h = installed("hostile_big_id");
    let (mut app, _) = h.app();
    let id = noise(1 << 20, 42);
    let err = app
        .execute("SELECT web.set_session_data($1, 'x', NULL)", &[&id])
        .expect_err("a 1 MB id cannot be indexed");
    assert_eq!(
        err.code(),
        Some(&SqlState::PROGRAM_LIMIT_EXCEEDED),
        "{}",
        crate::support::pg_error(&err)
    );
    assert_eq!(
        h.db.query_strings("SELECT count(*) FROM web.session"),
        ["0"]
    );
    // The connection is still usable.
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .expect("count")
        .get(0);
    assert_eq!(count, 0);
}

#[test]
fn without_the_pinned_search_path_the_planted_objects_would_run_as_the_owner() {
    // The control for the test above: a definer function whose search_path is not pinned (a
    // wrong install) is hijacked by the very same planted objects, and the side effects show
    // it. So their absence above means something.
    let h = installed("hostile_control");
    h.db.client()
        .batch_execute(
            "GRANT CREATE ON SCHEMA public TO PUBLIC;
             ALTER FUNCTION web.count_sessions() RESET search_path",
        )
        .expect("unpin one function");
    let (mut app, notices) = h.app();
    app.batch_execute(PLANT).expect("plant");
    let count: i32 = app
        .query_one("SELECT web.count_sessions()", &[])
        .expect("count")
        .get(0);
    assert!(count >= 1000, "the planted count(*) ran: {count}");
    let seen = strings(
        &mut app,
        "SELECT current_setting('hijack.public_count', true)",
    );
    assert_eq!(seen, ["web_owner"]);
    let notices = notices.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert!(
        notices.iter().any(|n| n.ends_with("as web_owner")),
        "{notices:?}"
    );
}
