//! The one "own schema and role" fixture: a fresh database with the names of the store a test
//! works on (schema, application role, owner role), the CLI run with those names, SQL with
//! them rendered, and connections as the application role. Every test module that needs a
//! store of its own uses this (drift, locks, password, hostile, ...).

use std::sync::{Arc, Mutex, MutexGuard};

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use super::{cluster, Cluster, Run, TestDb};

/// One test's database and the names of its store. Roles are cluster-wide: the role names
/// start with the database's name, so tests running at once never share one.
pub struct Store {
    pub db: TestDb,
    pub schema: String,
    pub role: String,
    pub owner: String,
    /// The application role's password, once `with_password` gave it one.
    pub password: Option<String>,
    // Dropped after the database (fields drop in order): see `one_at_a_time`.
    _roles: Option<MutexGuard<'static, ()>>,
}

impl Store {
    /// A database on `cluster` whose store is named after it: schema `<db>`, application role
    /// `<db>_app`, owner role `<db>_owner`. Nothing is installed yet.
    pub fn on(cluster: &'static Cluster, hint: &str) -> Store {
        let db = cluster.create_db(hint);
        let schema = db.name().to_string();
        Store::named(db, &schema, None)
    }

    /// A store named after `db` (made by another harness, e.g. the Citus one).
    pub fn of(db: TestDb) -> Store {
        let schema = db.name().to_string();
        Store::named(db, &schema, None)
    }

    /// `on` the shared cluster.
    pub fn new(hint: &str) -> Store {
        Store::on(cluster(), hint)
    }

    /// As `on`, holding the cluster's global lock (`Cluster::global_lock`) until the fixture
    /// is dropped, after its database: for tests whose snapshots must not see other tests'
    /// role changes.
    pub fn one_at_a_time(cluster: &'static Cluster, hint: &str) -> Store {
        let roles = cluster.global_lock();
        let db = cluster.create_db(hint);
        let schema = db.name().to_string();
        Store::named(db, &schema, Some(roles))
    }

    /// A database whose store is in the default schema `web` (owner `web_owner`, shared by
    /// every such test: they never drop it), application role `<db>_app`: for tests whose
    /// SQL names `web.session` as an application would.
    pub fn in_default_schema(hint: &str) -> Store {
        Store::named(cluster().create_db(hint), "web", None)
    }

    fn named(db: TestDb, schema: &str, roles: Option<MutexGuard<'static, ()>>) -> Store {
        Store {
            role: format!("{}_app", db.name()),
            owner: format!("{schema}_owner"),
            schema: schema.to_string(),
            db,
            password: None,
            _roles: roles,
        }
    }

    /// Runs `install` and asserts it succeeded.
    pub fn installed(self) -> Store {
        self.cli(&["install"]).assert_code(0);
        self
    }

    /// Gives the application role a password (`<role>-Pw-1`) for `app`.
    pub fn with_password(mut self) -> Store {
        let password = format!("{}-Pw-1", self.role);
        self.sql(&format!("ALTER ROLE {{role}} PASSWORD '{password}'"));
        self.password = Some(password);
        self
    }

    /// The CLI with `--schema <schema> --role <role>` before `args`.
    pub fn cli(&self, args: &[&str]) -> Run {
        self.db.cli(&self.args(args))
    }

    /// As `cli`, with `stdin` as standard input.
    pub fn cli_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.db.cli_with(&self.args(args), &[], Some(stdin))
    }

    /// The arguments `cli` puts before `args`.
    pub fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec![
            "--schema",
            self.schema.as_str(),
            "--role",
            self.role.as_str(),
        ];
        all.extend_from_slice(args);
        all
    }

    /// `{schema}`, `{role}`, `{owner}` replaced by this store's names.
    pub fn render(&self, sql: &str) -> String {
        sql.replace("{schema}", &self.schema)
            .replace("{role}", &self.role)
            .replace("{owner}", &self.owner)
    }

    /// Creates a role of this test's own, `<database>_<who>`, with `attributes` (`LOGIN
    /// PASSWORD '...'`, ...), and returns its name: roles are cluster-wide, so no two tests
    /// may share one.
    pub fn create_role(&self, who: &str, attributes: &str) -> String {
        let name = format!("{}_{who}", self.db.name());
        self.sql(&format!("CREATE ROLE {name} {attributes}"));
        name
    }

    /// Runs `sql`, rendered, as the superuser; panics with the server's message on error.
    pub fn sql(&self, sql: &str) {
        let sql = self.render(sql);
        self.db
            .client()
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{}\n{sql}", super::pg_error(&e)));
    }

    /// A connection as the application role (after `with_password`); every notice it
    /// receives is collected.
    pub fn app(&self) -> (Client, Arc<Mutex<Vec<String>>>) {
        let password = self
            .password
            .as_deref()
            .expect("Store::app needs Store::with_password first");
        let notices = Arc::new(Mutex::new(Vec::new()));
        let sink = notices.clone();
        let client = self
            .db
            .cluster()
            .config(self.db.name(), &self.role, password)
            .notice_callback(move |n| {
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(n.message().to_string())
            })
            .connect(NoTls)
            .expect("the application role logs in");
        (client, notices)
    }

    /// The application role's stored verifier (pg_authid.rolpassword), None when it has no
    /// password.
    pub fn stored(&self) -> Option<String> {
        let rows = self.db.query_strings(&self.render(
            "select coalesce(rolpassword, 'NULL') from pg_authid where rolname = '{role}'",
        ));
        rows.into_iter().next().filter(|p| p != "NULL")
    }

    /// Ok when `password` logs in as the application role (and the session is that role);
    /// Err with the SQLSTATE otherwise.
    pub fn login(&self, password: &str) -> Result<(), String> {
        match self.db.client_as(&self.role, password) {
            Ok(mut c) => {
                let user: String = c
                    .query_one("select current_user::text", &[])
                    .expect("current_user")
                    .get(0);
                assert_eq!(user, self.role);
                Ok(())
            }
            Err(e) => Err(e
                .code()
                .map(|c| c.code().to_string())
                .unwrap_or_else(|| e.to_string())),
        }
    }

    #[track_caller]
    pub fn assert_login_refused(&self, password: &str) {
        assert_eq!(
            self.login(password),
            Err(SqlState::INVALID_PASSWORD.code().to_string()),
            "password {password:?} must not log in as {}",
            self.role
        );
    }
}
