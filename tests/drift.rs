//! Issue 3: drift. For each property of the contract, one test breaks just that property on an
//! installed database, then shows verify failing on exactly the matching checks (the whole
//! set, so a check that fires too widely fails the test as surely as one that stays silent),
//! install repairing it, and verify passing again, with every session still there. Extra
//! privileges are drift too. A few drifts make the roles someone else's (a superuser, a member
//! of another role): install refuses those before changing anything (preflight, exit 4), and
//! the test says so.
//!
//! Issue 12: drift that breaks or exposes the store without touching its objects: row-level
//! security, rules, triggers of someone else's, the trigger's firing mode, members of the owner
//! role, CONNECT, VALID UNTIL, publications, and duplicate or NULL ids once the key is gone.
//!
//! Every case has its own schema and roles, named after its database (roles are cluster-wide,
//! and the cases run in parallel on the shared cluster). The dry-run tests at the end compare
//! whole snapshots, so they run on a private cluster of this module, one at a time.

use std::sync::OnceLock;

use crate::support::failing_checks as failing;
use crate::support::{private_cluster, Cluster, Run, Store};
use crate::upgrade::{applied, sorted};

enum Then {
    /// install repairs it: exit 0, then verify passes.
    Repaired,
    /// install refuses the roles as someone else's (exit 4) and changes nothing.
    Refused,
}

/// Sessions every case starts with, and must still have after the repair.
const SESSIONS: &str = "INSERT INTO {schema}.session VALUES
    ('keep-1', 'a', now() + interval '1 day'), ('keep-2', 'b', NULL), ('keep-3', 'c', now() + interval '1 hour')";

fn session_ids(s: &Store) -> Vec<String> {
    s.db.query_strings(&s.render("SELECT sess_id::text FROM {schema}.session ORDER BY 1"))
}

/// Breaks one property of an installed store with `sql`, then shows what verify and install
/// make of it. Returns the store and, when install repaired it, install's run (for the cases
/// that also check what it says it removed).
fn drift(case: &str, sql: &str, expect: &[&str], then: Then) -> (Store, Option<Run>) {
    let s = Store::new(case);
    let install = s.cli(&["install"]);
    assert_eq!(install.code, 0, "{case}: initial install\n{install}");
    s.sql(SESSIONS);

    s.sql(sql);
    let verify = s.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{case}: verify after the drift\n{verify}");
    assert_eq!(
        failing(&verify),
        sorted(expect),
        "{case}: verify must name exactly the checks of the broken property\n{verify}"
    );

    match then {
        Then::Repaired => {
            let repair = s.cli(&["install"]);
            assert_eq!(repair.code, 0, "{case}: install must repair it\n{repair}");
            assert!(
                !applied(&repair).is_empty(),
                "{case}: nothing applied\n{repair}"
            );
            assert_eq!(
                failing(&repair),
                sorted(expect),
                "{case}: install lists the same failing checks\n{repair}"
            );
            let verify = s.cli(&["verify"]);
            assert_eq!(verify.code, 0, "{case}: verify after the repair\n{verify}");
            let again = s.cli(&["install"]);
            assert!(applied(&again).is_empty(), "{case}: not converged\n{again}");
            assert_eq!(
                session_ids(&s),
                ["keep-1", "keep-2", "keep-3"],
                "{case}: a session was lost"
            );
            (s, Some(repair))
        }
        Then::Refused => {
            let before = s.db.snapshot();
            let refused = s.cli(&["install"]);
            assert_eq!(refused.code, 4, "{case}: install must refuse\n{refused}");
            assert!(
                refused
                    .stderr
                    .contains(&format!("role {} already exists", s.role)),
                "{case}\n{refused}"
            );
            assert_eq!(
                before,
                s.db.snapshot(),
                "{case}: a refusal changed something"
            );
            (s, None)
        }
    }
}

/// The body of a function as this version installs it (between the step file's $body$
/// quotes), to build drifts that differ from the contract in one thing only.
fn body(step_file: &str) -> &str {
    let start = step_file.find("$body$").expect("$body$") + "$body$".len();
    let len = step_file[start..].find("$body$").expect("closing $body$");
    &step_file[start..start + len]
}

/// The statement connect-pg 1.1.5's correct_web() runs to create valid_sessions(), taken from
/// the vendored release, with the function and its result type in the test's schema.
fn legacy_valid_sessions() -> String {
    let release = include_str!("vendor/connect-pg-1.1.5/session_install.sql");
    let start = release
        .find("create or replace function web.valid_sessions()")
        .expect("connect-pg 1.1.5 creates valid_sessions()");
    let end = "set search_path = web, pg_temp;";
    let len = release[start..].find(end).expect("its definition ends") + end.len();
    release[start..start + len]
        .replacen("web.valid_sessions()", "{schema}.valid_sessions()", 1)
        .replacen("setof web.session", "setof {schema}.session", 1)
}

macro_rules! drift_cases {
    ($( $(#[$doc:meta])* $name:ident: $sql:expr => [$($check:expr),* $(,)?] $then:ident; )*) => {
        $(
            $(#[$doc])*
            #[test]
            fn $name() {
                drift(stringify!($name), &$sql, &[$($check),*], Then::$then);
            }
        )*
    };
}

drift_cases! {
    // Roles
    owner_role_can_log_in: "ALTER ROLE {owner} LOGIN" => ["role.owner"] Repaired;
    owner_role_createrole: "ALTER ROLE {owner} CREATEROLE" => ["role.owner"] Repaired;
    app_role_createdb: "ALTER ROLE {role} CREATEDB" => ["role.app"] Repaired;
    app_role_createrole: "ALTER ROLE {role} CREATEROLE" => ["role.app"] Repaired;
    app_role_replication: "ALTER ROLE {role} REPLICATION" => ["role.app"] Repaired;
    app_role_bypassrls: "ALTER ROLE {role} BYPASSRLS" => ["role.app"] Repaired;
    app_role_cannot_log_in: "ALTER ROLE {role} NOLOGIN" => ["role.app"] Repaired;
    /// A superuser holds every privilege, so every grant check sees it too; install will not
    /// take over a superuser as the application role.
    app_role_superuser: "ALTER ROLE {role} SUPERUSER" => [
        "role.app", "grant.schema", "grant.table", "grant.functions", "history",
    ] Refused;
    /// connect-pg 1.1.x's default password, as a SCRAM verifier (PostgreSQL 14+'s default).
    app_password_default_scram: "SET password_encryption = 'scram-sha-256'; ALTER ROLE {role} PASSWORD 'password'"
        => ["role.app.password"] Repaired;
    /// The same, as the md5 verifier a database set up before PostgreSQL 14 still holds.
    app_password_default_md5: "SET password_encryption = 'md5'; ALTER ROLE {role} PASSWORD 'password'"
        => ["role.app.password"] Repaired;

    // Schema
    schema_owner_changed: "ALTER SCHEMA {schema} OWNER TO postgres" => ["schema.owner"] Repaired;
    schema_create_for_app: "GRANT CREATE ON SCHEMA {schema} TO {role}" => ["grant.schema"] Repaired;
    schema_create_for_public: "GRANT CREATE ON SCHEMA {schema} TO PUBLIC" => ["grant.schema"] Repaired;
    schema_usage_revoked: "REVOKE USAGE ON SCHEMA {schema} FROM {role}" => ["grant.schema"] Repaired;

    // Table, columns, key, index
    table_owner_changed: "ALTER TABLE {schema}.session OWNER TO postgres" => ["table.owner"] Repaired;
    /// The behaviour checks that read sess_id back compare it with text.
    sess_id_type_changed: "ALTER TABLE {schema}.session ALTER COLUMN sess_id TYPE varchar(128)"
        => ["column.sess_id"] Repaired;
    /// get_session_data returns SETOF text: a varchar column breaks its RETURN QUERY, so the
    /// behaviour checks that read a session fail with it (update reads the row back and
    /// compares it with text).
    sess_data_type_changed: "ALTER TABLE {schema}.session ALTER COLUMN sess_data TYPE varchar"
        => ["column.sess_data"] Repaired;
    /// behaviour.update reads the session back and compares it with a timestamptz.
    expiration_type_changed: "ALTER TABLE {schema}.session ALTER COLUMN expiration TYPE timestamp"
        => ["column.expiration"] Repaired;
    expiration_default_changed: "ALTER TABLE {schema}.session ALTER COLUMN expiration SET DEFAULT now() + interval '2 days'"
        => ["column.expiration.default"] Repaired;
    expiration_default_dropped: "ALTER TABLE {schema}.session ALTER COLUMN expiration DROP DEFAULT"
        => ["column.expiration.default"] Repaired;
    /// Without the key, set_session_data's ON CONFLICT has nothing to conflict on: every
    /// behaviour check that writes a session fails with it.
    primary_key_dropped: "ALTER TABLE {schema}.session DROP CONSTRAINT session_pkey" => [
        "primary_key"] Repaired;
    expire_idx_dropped: "DROP INDEX {schema}.expire_idx" => ["expire_idx"] Repaired;
    expire_idx_on_another_column: "DROP INDEX {schema}.expire_idx; CREATE INDEX expire_idx ON {schema}.session (sess_data)"
        => ["expire_idx"] Repaired;
    expire_idx_partial: "DROP INDEX {schema}.expire_idx; CREATE INDEX expire_idx ON {schema}.session (expiration) WHERE expiration IS NOT NULL"
        => ["expire_idx"] Repaired;

    // Functions
    /// A body of someone else's is not run by the behaviour checks, so those that count fail too.
    count_sessions_body_replaced: "CREATE OR REPLACE FUNCTION {schema}.count_sessions() RETURNS integer
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
            AS $$ BEGIN RETURN (SELECT count(*) FROM session); END $$"
        => ["function.count_sessions.body", "behaviour.expired", "behaviour.null_expiration", "behaviour.count"] Repaired;
    /// connect-pg 1.1.x's get_session_data, which reads through valid_sessions().
    get_session_data_legacy_body: "CREATE OR REPLACE FUNCTION {schema}.get_session_data(sessid text) RETURNS SETOF text
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp
            AS $$ begin return query select sess_data from valid_sessions() where sess_id = sessid; end; $$"
        => ["function.get_session_data.body", "behaviour.set_get", "behaviour.expired", "behaviour.null_expiration"] Repaired;
    get_session_data_search_path_unpinned: "ALTER FUNCTION {schema}.get_session_data(text) RESET search_path"
        => ["function.get_session_data.search_path"] Repaired;
    set_session_data_search_path_public_first: "ALTER FUNCTION {schema}.set_session_data(text, text, timestamptz) SET search_path = public, {schema}"
        => ["function.set_session_data.search_path"] Repaired;
    destroy_session_security_invoker: "ALTER FUNCTION {schema}.destroy_session(text) SECURITY INVOKER"
        => ["function.destroy_session.definer"] Repaired;
    clear_sessions_owner_changed: "ALTER FUNCTION {schema}.clear_sessions() OWNER TO postgres"
        => ["function.clear_sessions.owner"] Repaired;
    remove_expired_owner_changed: "ALTER FUNCTION {schema}.remove_expired() OWNER TO postgres"
        => ["function.remove_expired.owner"] Repaired;
    count_sessions_execute_to_public: "GRANT EXECUTE ON FUNCTION {schema}.count_sessions() TO PUBLIC"
        => ["function.count_sessions.public"] Repaired;
    /// PUBLIC's EXECUTE is the application role's too, and remove_expired is not for it.
    remove_expired_execute_to_public: "GRANT EXECUTE ON FUNCTION {schema}.remove_expired() TO PUBLIC"
        => ["function.remove_expired.public", "grant.functions"] Repaired;
    remove_expired_execute_to_app: "GRANT EXECUTE ON FUNCTION {schema}.remove_expired() TO {role}"
        => ["grant.functions"] Repaired;
    get_session_data_execute_revoked: "REVOKE EXECUTE ON FUNCTION {schema}.get_session_data(text) FROM {role}"
        => ["grant.functions"] Repaired;
    /// Same body, definer, search_path, owner and grants; only the result type differs.
    count_sessions_returns_bigint: format!(
        "DROP FUNCTION {{schema}}.count_sessions();
         CREATE FUNCTION {{schema}}.count_sessions() RETURNS bigint
             LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp
             AS $body${}$body$;
         ALTER FUNCTION {{schema}}.count_sessions() OWNER TO {{owner}};
         REVOKE ALL ON FUNCTION {{schema}}.count_sessions() FROM PUBLIC;
         GRANT EXECUTE ON FUNCTION {{schema}}.count_sessions() TO {{role}};",
        body(include_str!("../sql/steps/function.count_sessions.sql"))
    ) => ["function.count_sessions", "behaviour.expired", "behaviour.null_expiration", "behaviour.count"] Repaired;
    /// Every check of the function (but .public: nobody may run what is not there), and its
    /// behaviour. grant.functions compares with the functions that exist, so it passes.
    destroy_session_dropped: "DROP FUNCTION {schema}.destroy_session(text)" => [
        "function.destroy_session", "function.destroy_session.definer",
        "function.destroy_session.search_path", "function.destroy_session.body",
        "function.destroy_session.owner", "behaviour.destroy",
    ] Repaired;
    all_session_ids_added: "CREATE FUNCTION {schema}.all_session_ids() RETURNS SETOF text
            LANGUAGE sql SECURITY DEFINER AS $$ SELECT sess_id FROM {schema}.session $$"
        => ["absent.all_session_ids", "grant.functions"] Repaired;
    /// connect-pg 1.1.x's valid_sessions(), byte for byte as its correct_web() creates it.
    valid_sessions_added: legacy_valid_sessions()
        => ["legacy.valid_sessions", "grant.functions"] Repaired;
    /// A function of someone's own in the schema: PUBLIC (so the application role) may run it.
    own_function_executable_by_public: "CREATE FUNCTION {schema}.helper() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        => ["grant.functions"] Repaired;

    // Trigger
    trigger_dropped: "DROP TRIGGER delete_expired_trig ON {schema}.session" => ["trigger", "behaviour.expired"] Repaired;
    trigger_disabled: "ALTER TABLE {schema}.session DISABLE TRIGGER delete_expired_trig"
        => ["trigger", "behaviour.expired"] Repaired;
    /// connect-pg 1.1.x's shape: once per statement. The behaviour checks exercise the
    /// functions with a trigger of the contract's shape, so only the trigger check sees it.
    trigger_per_statement: "DROP TRIGGER delete_expired_trig ON {schema}.session;
            CREATE TRIGGER delete_expired_trig AFTER INSERT OR UPDATE ON {schema}.session
                FOR EACH STATEMENT EXECUTE FUNCTION {schema}.remove_expired()"
        => ["trigger"] Repaired;

    // Privileges of the application role
    table_select_for_app: "GRANT SELECT ON {schema}.session TO {role}" => ["grant.table", "grant.functions"] Repaired;
    table_column_select_for_app: "GRANT SELECT (sess_data) ON {schema}.session TO {role}" => ["grant.table"] Repaired;
    table_everything_for_public: "GRANT ALL ON {schema}.session TO PUBLIC" => ["grant.table", "grant.functions"] Repaired;
    sequence_for_app: "CREATE SEQUENCE {schema}.counter; GRANT USAGE ON SEQUENCE {schema}.counter TO {role}"
        => ["grant.functions"] Repaired;
    /// Membership in the owner role hands over everything the owner has.
    app_member_of_owner: "GRANT {owner} TO {role}" => [
        "grant.membership", "role.owner.members", "grant.schema", "grant.table", "grant.functions", "history",
    ] Repaired;
    /// A role that reads the store's tables, as pg_read_all_data (PostgreSQL 14+) reads every
    /// table: another role's membership makes the role not an application role install may
    /// take over. A role of the test's own, so the case runs on 13 too.
    app_member_of_a_reader: "CREATE ROLE {role}_reader;
        GRANT SELECT ON {schema}.session, {schema}.install_history TO {role}_reader;
        GRANT {role}_reader TO {role}" => [
        "grant.membership", "grant.table", "grant.functions", "history",
    ] Refused;

    // What PostgreSQL can attach to a table to change its behaviour (issue 12)
    /// The trigger fires only in replica sessions (session_replication_role = replica), so on
    /// the application's writes expired sessions are never removed.
    trigger_replica_only: "ALTER TABLE {schema}.session ENABLE REPLICA TRIGGER delete_expired_trig"
        => ["trigger", "behaviour.expired"] Repaired;
    /// ALWAYS fires in replica sessions too: not the contract's mode either.
    trigger_always: "ALTER TABLE {schema}.session ENABLE ALWAYS TRIGGER delete_expired_trig"
        => ["trigger", "behaviour.expired"] Repaired;
    /// Enabled alone: with no policy every write of the application fails, but the functions
    /// run as the table's owner, which RLS exempts unless forced.
    rls_enabled: "ALTER TABLE {schema}.session ENABLE ROW LEVEL SECURITY" => ["table.rls"] Repaired;

    // What stops connect-pg's writes, or runs someone's code on each, without changing a column's type
    check_constraint_rejecting_writes: "ALTER TABLE {schema}.session ADD CONSTRAINT no_writes CHECK (false) NOT VALID"
        => ["table.constraints"] Repaired;
    foreign_key_on_sess_data: "CREATE TABLE public.{schema}_users (id text PRIMARY KEY);
            ALTER TABLE {schema}.session ADD CONSTRAINT of_user FOREIGN KEY (sess_data) REFERENCES public.{schema}_users NOT VALID"
        => ["table.constraints"] Repaired;
    /// Its index is the constraint's, so table.indexes leaves it to table.constraints.
    unique_constraint_on_sess_data: "ALTER TABLE {schema}.session ADD CONSTRAINT one_per_data UNIQUE (sess_data)"
        => ["table.constraints"] Repaired;
    exclusion_constraint_on_sess_data: "ALTER TABLE {schema}.session ADD CONSTRAINT one_per_data EXCLUDE USING btree (sess_data WITH =)"
        => ["table.constraints"] Repaired;
    sess_data_not_null: "ALTER TABLE {schema}.session ALTER COLUMN sess_data SET NOT NULL" => ["table.constraints"] Repaired;
    /// connect-pg writes a NULL expiration for a session without maxAge; keep-2 has one, so
    /// the drift gives it a date first.
    expiration_not_null: "UPDATE {schema}.session SET expiration = now() + interval '1 day' WHERE expiration IS NULL;
            ALTER TABLE {schema}.session ALTER COLUMN expiration SET NOT NULL" => ["table.constraints"] Repaired;
    extra_column_not_null_without_default: "ALTER TABLE {schema}.session ADD COLUMN tenant text NOT NULL DEFAULT 'x';
            ALTER TABLE {schema}.session ALTER COLUMN tenant DROP DEFAULT" => ["table.columns"] Repaired;
    /// A column that fills itself is no drift: a default, an identity.
    extra_columns_that_fill_themselves_and_a_generated_one: "ALTER TABLE {schema}.session ADD COLUMN created timestamptz NOT NULL DEFAULT now();
            ALTER TABLE {schema}.session ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;
            ALTER TABLE {schema}.session ADD COLUMN len int GENERATED ALWAYS AS (length(sess_data)) STORED"
        => ["table.columns"] Repaired;
    unique_index_on_sess_data: "CREATE UNIQUE INDEX one_per_data ON {schema}.session (sess_data)" => ["table.indexes"] Repaired;
    expression_index: "CREATE INDEX by_length ON {schema}.session (length(sess_data))" => ["table.indexes"] Repaired;
    partial_index: "CREATE INDEX live ON {schema}.session (sess_id) WHERE expiration IS NOT NULL" => ["table.indexes"] Repaired;
    /// A plain index is the owner's business: it rejects nothing and runs no code of anyone's.
    plain_index_is_no_drift_but_a_unique_one_is: "CREATE INDEX by_data ON {schema}.session (sess_data);
            CREATE UNIQUE INDEX one_per_id ON {schema}.session (sess_id)" => ["table.indexes"] Repaired;
    /// A key on sess_data makes it NOT NULL; table.constraints leaves a key's column alone, and
    /// drops the NOT NULL in install's next round, once primary_key has moved the key.
    primary_key_on_sess_data: "ALTER TABLE {schema}.session DROP CONSTRAINT session_pkey;
            ALTER TABLE {schema}.session ADD PRIMARY KEY (sess_data)"
        => ["primary_key", "table.constraints"] Repaired;
    /// The CHECK fails once sess_data is text again, and a generated column forbids the type
    /// change: table.constraints runs before the column steps.
    check_and_generated_column_block_the_type_repair: "ALTER TABLE {schema}.session ALTER COLUMN sess_data TYPE varchar;
            ALTER TABLE {schema}.session ADD CONSTRAINT stays_varchar
                CHECK (pg_typeof(sess_data) = 'character varying'::regtype);
            ALTER TABLE {schema}.session ADD COLUMN len int GENERATED ALWAYS AS (length(sess_data)) STORED"
        => ["column.sess_data", "table.constraints", "table.columns"] Repaired;

    // History
    history_dropped: "DROP TABLE {schema}.install_history" => ["history"] Repaired;
    history_readable_by_app: "GRANT SELECT ON {schema}.install_history TO {role}" => ["history", "grant.functions"] Repaired;
    history_readable_by_public: "GRANT SELECT ON {schema}.install_history TO PUBLIC" => ["history", "grant.functions"] Repaired;
    history_owner_changed: "ALTER TABLE {schema}.install_history OWNER TO postgres" => ["history"] Repaired;
}

/// A private cluster for the snapshot-comparing tests below: roles are cluster-wide, so only
/// on a cluster no other module touches is a whole snapshot stable. They also take its
/// global lock, one at a time.
fn quiet_cluster() -> &'static Cluster {
    static QUIET: OnceLock<&'static Cluster> = OnceLock::new();
    QUIET.get_or_init(private_cluster)
}

/// The text after the dry run's "Dry run:" line: the steps' SQL, each after a `-- step` line.
fn printed_sql(run: &Run) -> String {
    let at = run.stdout.find("Dry run:").expect("a Dry run: line");
    let rest = &run.stdout[at..];
    rest[rest.find('\n').map_or(rest.len(), |i| i + 1)..].to_string()
}

/// `--dry-run` on `s` changes nothing, lists the failing checks and prints SQL that, run as it
/// is, repairs the database: so it is the SQL install would run, not a paraphrase.
fn dry_run_changes_nothing_and_prints_the_sql(s: &Store, expect_failing: &[&str]) {
    let before = s.db.snapshot();
    let dry = s.cli(&["install", "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry}");
    assert_eq!(failing(&dry), sorted(expect_failing), "{dry}");
    assert_eq!(
        before,
        s.db.snapshot(),
        "install --dry-run changed the database"
    );
    let sql = printed_sql(&dry);
    assert!(sql.contains("-- step "), "{dry}");

    s.db.client()
        .batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;"))
        .unwrap_or_else(|e| {
            panic!(
                "the printed SQL does not run: {}\n{sql}",
                crate::support::pg_error(&e)
            )
        });
    let verify = s.cli(&["verify"]);
    assert_eq!(
        verify.code, 0,
        "the printed SQL did not repair the database\n{verify}\n{sql}"
    );
}

#[test]
fn dry_run_on_a_fresh_database_changes_nothing() {
    let cluster = quiet_cluster();
    let s = Store::one_at_a_time(cluster, "dry_fresh");
    let all: Vec<String> = failing(&s.cli(&["verify"]));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    assert!(
        all.len() > 40,
        "a fresh database fails nearly every check: {all:?}"
    );
    dry_run_changes_nothing_and_prints_the_sql(&s, &all);
}

#[test]
fn dry_run_on_a_drifted_database_changes_nothing() {
    let cluster = quiet_cluster();
    let s = Store::one_at_a_time(cluster, "dry_drifted");
    assert_eq!(s.cli(&["install"]).code, 0);
    s.sql(
        "DROP INDEX {schema}.expire_idx;
         ALTER ROLE {role} CREATEDB;
         GRANT SELECT ON {schema}.session TO {role};
         ALTER FUNCTION {schema}.get_session_data(text) RESET search_path;",
    );
    dry_run_changes_nothing_and_prints_the_sql(
        &s,
        &[
            "expire_idx",
            "role.app",
            "grant.table",
            "grant.functions",
            "function.get_session_data.search_path",
        ],
    );
    let dry_again = s.cli(&["install", "--dry-run"]);
    assert!(dry_again.stdout.starts_with("Nothing to do"), "{dry_again}");
    assert_eq!(
        s.db.query_strings(&s.render("SELECT count(*) FROM {schema}.install_history")),
        ["1"],
        "the dry run and the hand-run SQL record no history; only the first install does"
    );
}

// Issue 12: one test per drift of the issue's table, with what install says it removed.

/// Runs a drift case that install repairs; the repair must print `line` (rendered with the
/// store's names), which says what install removed.
#[track_caller]
fn repaired(case: &str, sql: &str, expect: &[&str], line: &str) -> Store {
    let (s, repair) = drift(case, sql, expect, Then::Repaired);
    let repair = repair.expect("a repair run");
    let line = s.render(line);
    assert!(
        repair.stdout.lines().any(|l| l.trim() == line),
        "{case}: install must say {line:?}\n{repair}"
    );
    s
}

/// FORCE subjects the owner, as whom the functions run, to the policies: every write fails.
#[test]
fn row_level_security_forced_with_a_policy() {
    repaired(
        "rls_forced",
        "ALTER TABLE {schema}.session ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {schema}.session FORCE ROW LEVEL SECURITY;
         CREATE POLICY nobody ON {schema}.session USING (false)",
        &["table.rls"],
        "dropped policy nobody on {schema}.session",
    );
}

/// Every new session is lost.
#[test]
fn rule_that_swallows_inserts() {
    repaired(
        "rule_instead_nothing",
        "CREATE RULE swallow AS ON INSERT TO {schema}.session DO INSTEAD NOTHING",
        &["table.rules"],
        "dropped rule swallow on {schema}.session",
    );
}

/// The application reads back empty sessions. The trigger goes; its function is someone
/// else's and stays.
#[test]
fn before_trigger_that_blanks_the_data() {
    let s = repaired(
        "trigger_blanks",
        "CREATE FUNCTION public.{schema}_blank() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN NEW.sess_data := ''; RETURN NEW; END $$;
         CREATE TRIGGER blank BEFORE INSERT OR UPDATE ON {schema}.session
             FOR EACH ROW EXECUTE FUNCTION public.{schema}_blank()",
        &["table.triggers"],
        "dropped trigger blank on {schema}.session (its function public.{schema}_blank() is not the store's and stays)",
    );
    assert_eq!(
        s.db.query_strings(
            &s.render("SELECT count(*) FROM pg_proc WHERE proname = '{schema}_blank'")
        ),
        ["1"],
        "the trigger's function is not the store's"
    );
}

/// Every session is copied into a table another role can read.
#[test]
fn after_trigger_that_copies_sessions_out() {
    let s = repaired(
        "trigger_copies",
        "CREATE TABLE public.{schema}_loot (sess_id text, sess_data text);
         GRANT SELECT ON public.{schema}_loot TO PUBLIC;
         CREATE FUNCTION public.{schema}_copy() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
             AS $$ BEGIN INSERT INTO public.{schema}_loot VALUES (NEW.sess_id, NEW.sess_data); RETURN NULL; END $$;
         CREATE TRIGGER \"Copy Out\" AFTER INSERT OR UPDATE ON {schema}.session
             FOR EACH ROW EXECUTE FUNCTION public.{schema}_copy();
         UPDATE {schema}.session SET sess_data = sess_data WHERE sess_id = 'keep-1'",
        &["table.triggers"],
        "dropped trigger \"Copy Out\" on {schema}.session (its function public.{schema}_copy() is not the store's and stays)",
    );
    // The application's next write is not copied any more.
    s.sql("SELECT {schema}.set_session_data('after', 'secret', now() + interval '1 day')");
    // The control: while it was there, the trigger copied the session it saw written.
    assert_eq!(
        s.db.query_strings(&s.render("SELECT sess_id FROM public.{schema}_loot")),
        ["keep-1"]
    );
}

/// Mallory reads every session. A superuser member is no drift (it reads everything anyway).
#[test]
fn someone_made_a_member_of_the_owner_role() {
    let s = repaired(
        "owner_member",
        "CREATE ROLE {schema}_mallory; GRANT {owner} TO {schema}_mallory;
         CREATE ROLE {schema}_root SUPERUSER; GRANT {owner} TO {schema}_root",
        &["role.owner.members"],
        "revoked membership of {schema}_mallory in {owner}",
    );
    assert_eq!(
        s.db.query_strings(&s.render(
            "SELECT member::regrole::text FROM pg_auth_members WHERE roleid = '{owner}'::regrole"
        )),
        [s.render("{schema}_root")],
        "only the superuser's membership stays"
    );
    s.sql("DROP ROLE {schema}_mallory; DROP ROLE {schema}_root");
}

/// The application cannot connect. Install grants CONNECT to the application role alone; what
/// PUBLIC may do stays the database owner's decision. status said "can log in" before.
#[test]
fn connect_revoked_from_public() {
    let s = Store::new("no_connect").installed().with_password();
    s.sql("REVOKE CONNECT ON DATABASE \"{schema}\" FROM PUBLIC");
    let status = s.cli(&["status"]);
    assert!(
        status
            .stdout
            .contains("cannot log in: it has no CONNECT on this database"),
        "{status}"
    );
    let json = s.cli(&["status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["status"]["app_role"]["can_log_in"], false, "{json}");
    // insufficient_privilege: the missing CONNECT, not the password, keeps it out.
    assert_eq!(
        s.login(s.password.as_deref().unwrap()),
        Err("42501".to_string())
    );

    let verify = s.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert_eq!(failing(&verify), ["database.connect"], "{verify}");
    let repair = s.cli(&["install"]);
    assert_eq!(repair.code, 0, "{repair}");
    assert_eq!(applied(&repair), ["database.connect"], "{repair}");
    assert_eq!(s.cli(&["verify"]).code, 0);
    assert_eq!(s.login(s.password.as_deref().unwrap()), Ok(()));
    assert_eq!(
        s.db.query_strings(
            &s.render("SELECT has_database_privilege('public', '{schema}', 'CONNECT')::text")
        ),
        ["false"],
        "CONNECT went to the application role, not to PUBLIC"
    );
    assert!(s.cli(&["status"]).stdout.contains("can log in ("));
    // The grant is the store's own: uninstall takes it with the role instead of refusing.
    let uninstall = s.cli(&["uninstall", "--yes"]);
    assert_eq!(uninstall.code, 0, "{uninstall}");
    assert_eq!(
        s.db.query_strings(&s.render("SELECT count(*) FROM pg_roles WHERE rolname = '{role}'")),
        ["0"],
        "{uninstall}"
    );
}

/// The application cannot log in. install reports it and leaves it (repairing everything
/// else), set-password --valid-until changes it, and --check-login names the expiry.
#[test]
fn app_role_expired() {
    let s = Store::new("expired").installed();
    s.sql(SESSIONS);
    s.sql("ALTER ROLE {role} VALID UNTIL '2020-01-01 00:00+00'; DROP INDEX {schema}.expire_idx");
    let verify = s.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert_eq!(
        failing(&verify),
        ["expire_idx", "role.app.valid_until"],
        "{verify}"
    );

    let install = s.cli(&["install"]);
    assert_eq!(
        install.code, 0,
        "the index is repaired, the date is left\n{install}"
    );
    assert_eq!(applied(&install), ["expire_idx"], "{install}");
    assert!(
        install.stdout.contains("Left as found")
            && install.stdout.contains("expired: VALID UNTIL 2020-01-01"),
        "{install}"
    );
    let before = s.db.snapshot();
    let again = s.cli(&["install"]);
    assert_eq!(again.code, 0, "{again}");
    assert!(again.stdout.starts_with("Left as found"), "{again}");
    assert!(again.stdout.contains("Nothing to do"), "{again}");
    assert_eq!(failing(&again), ["role.app.valid_until"], "{again}");
    assert_eq!(before, s.db.snapshot(), "install changed VALID UNTIL");

    // A new password alone does not help, and set-password says so in one line; the login
    // check names the expiry, not the password.
    let login = s.cli_stdin(
        &["set-password", "--password-stdin", "--check-login"],
        b"Pw-expired-1\n",
    );
    assert_eq!(login.code, 3, "{login}");
    let notes: Vec<&str> = login
        .stderr
        .lines()
        .filter(|l| l.contains("has expired (VALID UNTIL 2020-01-01"))
        .collect();
    assert_eq!(notes.len(), 2, "one note, one error\n{login}");
    assert!(
        !login.stderr.contains("password authentication failed"),
        "{login}"
    );

    // That password was set and committed: what follows must change nothing more.
    let before = s.db.snapshot();
    let bad = s.cli_stdin(
        &[
            "set-password",
            "--password-stdin",
            "--valid-until",
            "next tuesday",
        ],
        b"Pw-expired-2\n",
    );
    assert_eq!(bad.code, 2, "{bad}");
    assert!(
        bad.stderr
            .contains("--valid-until \"next tuesday\" is not a timestamp"),
        "{bad}"
    );
    assert_eq!(
        before,
        s.db.snapshot(),
        "a refused --valid-until changed something"
    );

    let fixed = s.cli_stdin(
        &[
            "set-password",
            "--password-stdin",
            "--valid-until",
            "infinity",
            "--check-login",
        ],
        b"Pw-expired-3\n",
    );
    assert_eq!(fixed.code, 0, "{fixed}");
    assert!(!fixed.stderr.contains("has expired"), "{fixed}");
    assert_eq!(s.login("Pw-expired-3"), Ok(()));
    assert_eq!(s.cli(&["verify"]).code, 0);
    assert_eq!(session_ids(&s), ["keep-1", "keep-2", "keep-3"]);
}

/// Logical replication ships every session to the subscriber: install reports it and leaves
/// the publication to its owner.
#[test]
fn session_table_published() {
    let s = Store::new("published").installed();
    s.sql("CREATE PUBLICATION {schema}_pub FOR TABLE {schema}.session");
    let verify = s.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert_eq!(failing(&verify), ["table.publications"], "{verify}");
    let before = s.db.snapshot();
    let install = s.cli(&["install"]);
    assert_eq!(install.code, 0, "{install}");
    assert!(applied(&install).is_empty(), "{install}");
    assert!(
        install.stdout.contains(&s.render("{schema}_pub")),
        "{install}"
    );
    assert_eq!(before, s.db.snapshot());
    assert_eq!(
        s.db.query_strings(
            &s.render("SELECT count(*) FROM pg_publication WHERE pubname = '{schema}_pub'")
        ),
        ["1"]
    );
    s.sql("DROP PUBLICATION {schema}_pub");
    assert_eq!(s.cli(&["verify"]).code, 0);
}

/// Lookups return two rows. install refuses before changing anything, names the ids and the
/// NULLs and how to resolve them, and deletes no session; after a person ran that, it repairs.
#[test]
fn duplicate_and_null_ids_after_the_key_was_dropped() {
    let s = Store::new("duplicates").installed();
    s.sql(SESSIONS);
    s.sql(
        "ALTER TABLE {schema}.session DROP CONSTRAINT session_pkey;
         ALTER TABLE {schema}.session ALTER COLUMN sess_id DROP NOT NULL;
         INSERT INTO {schema}.session
             SELECT 'dup-' || pg_catalog.lpad(i::text, 2, '0'), 'x', now() + interval '1 day'
               FROM generate_series(1, 12) i, generate_series(1, 2);
         INSERT INTO {schema}.session VALUES ('keep-1', 'second', NULL), (NULL, 'n1', NULL), (NULL, 'n2', NULL)",
    );
    let count = || {
        s.db.query_strings(&s.render("SELECT count(*) FROM {schema}.session"))
    };
    assert_eq!(count(), ["30"]);
    let verify = s.cli(&["verify"]);
    assert_eq!(verify.code, 1, "{verify}");
    assert!(
        failing(&verify).contains(&"primary_key".to_string()),
        "{verify}"
    );

    let before = s.db.snapshot();
    for args in [&["install"][..], &["install", "--dry-run"]] {
        let refused = s.cli(args);
        assert_eq!(refused.code, 4, "{refused}");
        let err = refused.stderr.trim();
        assert_eq!(err.lines().count(), 1, "{refused}");
        assert!(
            err.contains("13 duplicated id(s) ('dup-01', 'dup-02', 'dup-03', 'dup-04', 'dup-05', 'dup-06', 'dup-07', 'dup-08', 'dup-09', 'dup-10' and 3 more)"),
            "{refused}"
        );
        assert!(err.contains("2 row(s) with a NULL id"), "{refused}");
        assert!(err.contains("nothing was changed"), "{refused}");
        assert_eq!(before, s.db.snapshot(), "a refusal changed something");
        assert_eq!(count(), ["30"], "install deleted sessions");
    }

    // The SQL the message offers, as a person would paste it.
    let refused = s.cli(&["install"]);
    let sql: Vec<&str> = refused
        .stderr
        .split(", DELETE FROM ")
        .skip(1)
        .map(|rest| &rest[..=rest.find(';').expect("a ;")])
        .collect();
    assert_eq!(sql.len(), 2, "{refused}");
    for statement in sql {
        s.db.client()
            .batch_execute(&format!("DELETE FROM {statement}"))
            .expect("the offered SQL runs");
    }
    assert_eq!(count(), ["15"]);
    let repair = s.cli(&["install"]);
    assert_eq!(repair.code, 0, "{repair}");
    assert_eq!(s.cli(&["verify"]).code, 0);
    assert_eq!(count(), ["15"], "the repair lost sessions");
}

/// Duplicated ids are whatever the application wrote: a quote, a backslash, a newline, a
/// terminal escape sequence, a Unicode line separator. install's refusal stays one line that
/// shows no control character, and each id it names is SQL that means that very id
/// (template::quote_literal_printable): pasted back, the list is exactly the duplicated ids.
#[test]
fn duplicated_ids_with_control_characters_keep_the_refusal_one_line() {
    let s = Store::new("odd_duplicates").installed();
    s.sql(
        "ALTER TABLE {schema}.session DROP CONSTRAINT session_pkey;
         DROP TRIGGER delete_expired_trig ON {schema}.session;",
    );
    let ids = [
        "it's",
        r"back\slash",
        "new\nline",
        "esc\u{1b}[2Jclear",
        "tab\there\r",
        "line\u{2028}separator\u{202e}",
    ];
    let mut c = s.db.client();
    for id in ids {
        for _ in 0..2 {
            c.execute(
                &s.render(
                    "INSERT INTO {schema}.session VALUES ($1, 'x', now() + interval '1 day')",
                ),
                &[&id],
            )
            .unwrap();
        }
    }
    let refused = s.cli(&["install"]);
    assert_eq!(refused.code, 4, "{refused}");
    let err = refused.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "{refused}");
    assert!(
        !err.chars()
            .any(|ch| ch.is_control() || ch == '\u{2028}' || ch == '\u{202e}'),
        "{err:?}"
    );
    let list = err
        .split_once("6 duplicated id(s) (")
        .and_then(|(_, rest)| rest.rsplit_once("), so the key"))
        .unwrap_or_else(|| panic!("no list of ids in {err:?}"))
        .0;
    let shown: Vec<String> = c
        .query(
            &format!("SELECT x FROM unnest(ARRAY[{list}]::text[]) x ORDER BY x COLLATE \"C\""),
            &[],
        )
        .unwrap_or_else(|e| panic!("{list}: {}", crate::support::pg_error(&e)))
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut expected: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    expected.sort();
    assert_eq!(shown, expected, "{err}");
}

/// A CHECK that rejects every row: each set_session_data fails until install drops it.
#[test]
fn check_constraint_stops_every_write_until_repaired() {
    let s = repaired(
        "check_no_writes",
        "ALTER TABLE {schema}.session ADD CONSTRAINT \"No Writes\" CHECK (false) NOT VALID",
        &["table.constraints"],
        "dropped constraint \"No Writes\" on {schema}.session: CHECK (false) NOT VALID",
    );
    let write = "SELECT {schema}.set_session_data('after', 'data', now() + interval '1 day')";
    s.sql(write);
    assert_eq!(
        s.db.query_strings(
            &s.render("SELECT sess_data FROM {schema}.session WHERE sess_id = 'after'")
        ),
        ["data"]
    );
    // The control: with the constraint back, the same write fails.
    s.sql("ALTER TABLE {schema}.session ADD CONSTRAINT \"No Writes\" CHECK (false) NOT VALID");
    let err =
        s.db.client()
            .batch_execute(&s.render(write))
            .expect_err("the CHECK rejects it");
    assert!(
        crate::support::pg_error(&err).contains("No Writes"),
        "{}",
        crate::support::pg_error(&err)
    );
}

/// The generated column's values stay; its expression no longer runs on a write.
#[test]
fn generated_column_becomes_a_plain_one() {
    let s = repaired(
        "generated_plain",
        "ALTER TABLE {schema}.session ADD COLUMN len int GENERATED ALWAYS AS (length(sess_data)) STORED",
        &["table.columns"],
        "made len of {schema}.session a plain column (its values stay; length(sess_data) is no longer run)",
    );
    s.sql("SELECT {schema}.set_session_data('keep-1', 'longer', NULL)");
    assert_eq!(
        s.db.query_strings(&s.render(
            "SELECT sess_id || '=' || coalesce(len::text, 'null') FROM {schema}.session ORDER BY 1"
        )),
        ["keep-1=1", "keep-2=1", "keep-3=1"]
    );
}

/// PostgreSQL 18's virtual generated column, as one of the contract's columns, rejects every
/// write, and PostgreSQL cannot make it a plain column: install fails with its error and
/// changes nothing, rather than drop the column. Before 18 there are no virtual columns.
#[test]
fn virtual_generated_sess_data_fails_install() {
    let s = Store::new("virtual_sess_data");
    if s.db.cluster().major() < 18 {
        return;
    }
    assert_eq!(s.cli(&["install"]).code, 0);
    s.sql(
        "ALTER TABLE {schema}.session DROP COLUMN sess_data;
         ALTER TABLE {schema}.session ADD COLUMN sess_data text GENERATED ALWAYS AS (sess_id) VIRTUAL",
    );
    let verify = s.cli(&["verify"]);
    assert_eq!(failing(&verify), ["table.columns"], "{verify}");
    let before = s.db.snapshot();
    let install = s.cli(&["install"]);
    assert_eq!(install.code, 7, "{install}");
    assert!(
        install.stderr.contains("step table.constraints"),
        "{install}"
    );
    assert_eq!(
        before,
        s.db.snapshot(),
        "a failed install changed something"
    );
}

/// A CHECK and an index expression calling someone's function run on every write, and on every
/// rewrite of the table: table.constraints drops them before the column steps rewrite it, so
/// install never runs them (docs/security.md, "Which role runs each step").
#[test]
fn planted_check_and_index_never_run_during_install() {
    let (s, _) = drift(
        "planted_never_run",
        "CREATE SEQUENCE public.{schema}_hits;
         CREATE FUNCTION public.{schema}_f(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
             AS $f$ BEGIN PERFORM pg_catalog.nextval('public.{schema}_hits'); RETURN true; END $f$;
         GRANT USAGE ON SEQUENCE public.{schema}_hits TO PUBLIC;
         ALTER TABLE {schema}.session ALTER COLUMN sess_data TYPE varchar;
         ALTER TABLE {schema}.session ADD CONSTRAINT planted CHECK (public.{schema}_f(sess_id));
         CREATE INDEX planted_idx ON {schema}.session ((public.{schema}_f(sess_data)));
         -- The control: a rewrite of the table runs the plant (a sequence is not rolled back).
         SELECT setval('public.{schema}_hits', 1, false);
         DO $$ BEGIN
             ALTER TABLE {schema}.session ALTER COLUMN sess_data TYPE text;
             RAISE 'undo';
         EXCEPTION WHEN raise_exception THEN NULL;
         END $$;
         DO $$ BEGIN
             IF (SELECT last_value FROM public.{schema}_hits) < 3 THEN RAISE 'the control: no hit'; END IF;
         END $$;
         SELECT setval('public.{schema}_hits', 1, false);",
        &["column.sess_data", "table.constraints", "table.indexes"],
        Then::Repaired,
    );
    assert_eq!(
        s.db.query_strings(&s.render("SELECT is_called::text FROM public.{schema}_hits")),
        ["false"],
        "install ran the planted function"
    );
}
