//! A Citus cluster for tests/citus.rs: a coordinator and two workers, each a throwaway cluster
//! (cluster.rs) of PostgreSQL 15 with `shared_preload_libraries = 'citus'`, started once per
//! test process. Citus is built only into the distribution's PostgreSQL 15 (`scripts/deps --citus` runs
//! ../shared/citus/build), so the nodes are always of that major, whatever `CPA_PG_BIN` says:
//! its bin dir comes from `scripts/pg-majors 15`, as `cluster_of_major` gets it. When Citus is
//! missing the harness panics, so a Citus test never passes without a Citus cluster.
//!
//! The nodes share one superuser password: Citus connects from node to node as the current
//! role, and finds the password in pg_dist_authinfo (which it copies to the workers).

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use rand::distr::{Alphanumeric, SampleString};

use super::cluster::{bin_of_major, Extra};
use super::{Cluster, Run, TestDb};

/// The one major Citus is built for here.
pub const CITUS_MAJOR: u32 = 15;

pub struct Citus {
    pub coordinator: &'static Cluster,
    pub workers: [&'static Cluster; 2],
}

/// The Citus cluster shared by every Citus test of this process.
pub fn citus() -> &'static Citus {
    static CITUS: OnceLock<Result<Citus, String>> = OnceLock::new();
    match CITUS.get_or_init(start) {
        Ok(c) => c,
        Err(e) => panic!("the Citus test cluster could not be started: {e}"),
    }
}

fn start() -> Result<Citus, String> {
    let bin = bin_of_major(CITUS_MAJOR);
    let lib = bin.parent().unwrap_or(&bin).join("lib/citus.so");
    if !lib.is_file() {
        return Err(format!(
            "Citus is not installed into PostgreSQL {CITUS_MAJOR} ({} is missing): run scripts/deps --citus (it builds ../shared/citus)",
            lib.display()
        ));
    }
    let extra = Extra {
        conf: "shared_preload_libraries = 'citus'\nmax_prepared_transactions = 100\n".into(),
        password: Some(Alphanumeric.sample_string(&mut rand::rng(), 24)),
    };
    let node = |label: &'static str| -> Result<&'static Cluster, String> {
        Cluster::start_from(label, false, Some(Path::new(&bin)), &extra)
            .map(|c| &*Box::leak(Box::new(c)))
    };
    Ok(Citus {
        coordinator: node("citus-coordinator")?,
        workers: [node("citus-worker-1")?, node("citus-worker-2")?],
    })
}

impl Citus {
    /// A database named after `hint` on every node, with the citus extension, the workers
    /// registered on the coordinator and the superuser's password in pg_dist_authinfo. The
    /// `TestDb` is the coordinator's (the workers' copies are removed with the clusters).
    pub fn create_db(&'static self, hint: &str) -> TestDb {
        let db = self.create_db_without_citus(hint);
        self.enable(&db);
        db
    }

    /// A database named after `hint` on every node, without the extension yet: a single-node
    /// store is installed there first, then `enable` makes the database a Citus one.
    pub fn create_db_without_citus(&'static self, hint: &str) -> TestDb {
        let db = self.coordinator.create_db(hint);
        for w in self.workers {
            w.admin("postgres")
                .batch_execute(&format!("create database \"{}\"", db.name()))
                .unwrap_or_else(|e| panic!("create database on a worker: {}", super::pg_error(&e)));
        }
        db
    }

    /// The citus extension on every node of `db`, the workers registered on the coordinator.
    pub fn enable(&self, db: &TestDb) {
        // One database at a time: two citus_add_node of the same worker from two databases at
        // once fail now and then ("failure on connection marked as essential").
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let name = db.name();
        for w in self.workers {
            w.admin(name)
                .batch_execute("create extension citus")
                .unwrap_or_else(|e| panic!("create extension citus: {}", super::pg_error(&e)));
        }
        let password = self.coordinator.superuser_password().replace('\'', "''");
        let mut sql = format!(
            "create extension citus;\n\
             insert into pg_dist_authinfo (nodeid, rolename, authinfo) values (0, 'postgres', 'password={password}');\n\
             select citus_set_coordinator_host('127.0.0.1', {});\n",
            self.coordinator.port()
        );
        for w in self.workers {
            sql.push_str(&format!(
                "select citus_add_node('127.0.0.1', {});\n",
                w.port()
            ));
        }
        db.client()
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("set up Citus in {name}: {}", super::pg_error(&e)));
    }
}

/// The first column of every row of `sql` on `node` (a worker, say), as the superuser.
pub fn query_on(node: &Cluster, db: &str, sql: &str) -> Vec<String> {
    super::db::query_strings(&mut node.admin(db), sql)
        .unwrap_or_else(|e| panic!("on port {}: {}\n{sql}", node.port(), super::pg_error(&e)))
}

/// The CLI with `args` against database `db` of `node`, as the superuser.
pub fn cli_on(node: &Cluster, db: &str, args: &[&str]) -> Run {
    let mut cmd = super::bin();
    cmd.args(args)
        .arg("--dsn")
        .arg(node.dsn(db))
        .env("PGPASSWORD", node.superuser_password());
    super::run(cmd)
}
