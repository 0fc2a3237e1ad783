//! A database per test: created by the superuser with a unique name derived from the test's
//! hint, dropped when the guard is dropped, kept (and named on stderr) when the test panicked.

use std::sync::atomic::{AtomicUsize, Ordering};

use postgres::SimpleQueryMessage;

use super::run::{bin, run_with_stdin, Run};
use super::Cluster;

static NEXT: AtomicUsize = AtomicUsize::new(1);

impl Cluster {
    /// Creates a fresh database named after `hint` (lowercased, non-alphanumerics turned
    /// into `_`, shortened) plus a process-wide counter, e.g. `t_verify_idle_7`.
    pub fn create_db(&'static self, hint: &str) -> TestDb {
        let name = db_name(hint, NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = self.admin("postgres");
        admin
            .batch_execute(&format!("create database \"{name}\""))
            .unwrap_or_else(|e| panic!("create database {name}: {}", super::pg_error(&e)));
        TestDb {
            cluster: self,
            name,
        }
    }
}

fn db_name(hint: &str, n: usize) -> String {
    let mut clean = String::new();
    for c in hint.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            clean.push(c);
        } else if !clean.ends_with('_') {
            clean.push('_');
        }
    }
    let clean: String = clean.trim_matches('_').chars().take(40).collect();
    let clean = clean.trim_end_matches('_');
    if clean.is_empty() {
        format!("t_{n}")
    } else {
        format!("t_{clean}_{n}")
    }
}

/// One test's database. Dropping it drops the database, unless the thread is panicking.
pub struct TestDb {
    cluster: &'static Cluster,
    name: String,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("name", &self.name)
            .field("port", &self.cluster.port())
            .finish()
    }
}

impl TestDb {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn cluster(&self) -> &'static Cluster {
        self.cluster
    }

    /// A superuser connection to this database (TCP, no TLS).
    pub fn client(&self) -> postgres::Client {
        self.cluster.admin(&self.name)
    }

    /// A connection as `user` with `password` (TCP, no TLS); the error when it is refused.
    pub fn client_as(
        &self,
        user: &str,
        password: &str,
    ) -> Result<postgres::Client, postgres::Error> {
        self.cluster
            .config(&self.name, user, password)
            .connect(postgres::NoTls)
    }

    /// `host=127.0.0.1 port=… user=postgres dbname=… sslmode=disable`, without the password
    /// (`cli` passes it as PGPASSWORD).
    pub fn dsn(&self) -> String {
        self.cluster.dsn(&self.name)
    }

    /// Runs the real binary with `args` then `--dsn <self.dsn()>`, the superuser password in
    /// PGPASSWORD, stdin from /dev/null.
    pub fn cli(&self, args: &[&str]) -> Run {
        self.cli_with(args, &[], None)
    }

    /// As `cli`, with extra environment variables (applied last, so they may set PG* again)
    /// and optional stdin bytes.
    pub fn cli_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
        run_with_stdin(self.cli_command(args, env), stdin)
    }

    /// The command `cli_with` runs, for tests that need to adjust it further.
    pub fn cli_command(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
        let mut cmd = bin();
        cmd.args(args)
            .arg("--dsn")
            .arg(self.dsn())
            .env("PGPASSWORD", self.cluster.superuser_password());
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd
    }

    /// The first column of every row `sql` returns, as text (a NULL reads `NULL`). Several
    /// statements separated by `;` are allowed (simple query protocol).
    pub fn query_strings(&self, sql: &str) -> Vec<String> {
        query_strings(&mut self.client(), sql)
            .unwrap_or_else(|e| panic!("query on {}: {}\n{sql}", self.name, super::pg_error(&e)))
    }

    /// A deterministic text dump of everything an install could change, in this database
    /// and of the roles that concern this database: see `snapshot.rs`. Roles are shared by
    /// all databases: a test that changes role attributes uses role names that start with
    /// the database's name, or a private cluster.
    pub fn snapshot(&self) -> String {
        super::snapshot::take(&mut self.client())
            .unwrap_or_else(|e| panic!("snapshot of {}: {}", self.name, super::pg_error(&e)))
    }
}

pub(crate) fn query_strings(
    client: &mut postgres::Client,
    sql: &str,
) -> Result<Vec<String>, postgres::Error> {
    Ok(client
        .simple_query(sql)?
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or("NULL").to_string()),
            _ => None,
        })
        .collect())
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let kept = if std::env::var("CPA_KEEP_CLUSTER").is_ok_and(|v| v == "1") {
                format!(
                    "see {}/connect.txt",
                    self.cluster
                        .data_dir()
                        .parent()
                        .unwrap_or(self.cluster.data_dir())
                        .display()
                )
            } else {
                "the cluster is removed at exit: rerun with CPA_KEEP_CLUSTER=1 to inspect it"
                    .to_string()
            };
            eprintln!(
                "[harness] test failed: database {} kept ({}; {kept})",
                self.name,
                self.cluster.dsn(&self.name)
            );
            return;
        }
        let result = self.cluster.try_admin("postgres").and_then(|mut c| {
            c.batch_execute(&format!(
                "drop database if exists \"{}\" with (force)",
                self.name
            ))
            .map_err(|e| super::pg_error(&e))
        });
        if let Err(e) = result {
            eprintln!(
                "[harness] warning: could not drop database {}: {e}",
                self.name
            );
        }
    }
}
